libutil/strbuf.o: libutil/strbuf.c libutil/msg.h libutil/mymalloc.h \
 libutil/strbuf.h
libutil/msg.h:
libutil/mymalloc.h:
libutil/strbuf.h:
