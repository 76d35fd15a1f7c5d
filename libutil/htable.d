libutil/htable.o: libutil/htable.c libutil/htable.h libutil/msg.h \
 libutil/mymalloc.h
libutil/htable.h:
libutil/msg.h:
libutil/mymalloc.h:
