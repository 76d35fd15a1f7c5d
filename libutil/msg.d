libutil/msg.o: libutil/msg.c libutil/msg.h
libutil/msg.h:
