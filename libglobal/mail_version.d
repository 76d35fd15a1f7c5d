libglobal/mail_version.o: libglobal/mail_version.c \
 libglobal/mail_version.h
libglobal/mail_version.h:
