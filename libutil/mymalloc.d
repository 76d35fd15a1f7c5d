libutil/mymalloc.o: libutil/mymalloc.c libutil/msg.h libutil/mymalloc.h
libutil/msg.h:
libutil/mymalloc.h:
