libutil/argv.o: libutil/argv.c libutil/argv.h libutil/msg.h \
 libutil/mymalloc.h libutil/strbuf.h
libutil/argv.h:
libutil/msg.h:
libutil/mymalloc.h:
libutil/strbuf.h:
