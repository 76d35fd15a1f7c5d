#ifndef MASTER_CF_H
#define MASTER_CF_H

/*
 * master_cf - the services of master.cf, in Postfix's columns: service,
 * type, private, unpriv, chroot, wakeup, maxproc, command + arguments.
 *
 * master_cf_create() returns a list the caller owns; master_cf_free()
 * releases it and its services and returns NULL.  Errors name the file
 * and line and are returned, never fatal; a duplicate service is a
 * warning (the last definition wins, as master(5) says).
 */
#include <stddef.h>

#include "argv.h"
#include "strbuf.h"

/* Default limits; a list's own may be lowered (tests). */
#define MASTER_CF_MAX_LINE     (1024 * 1024)      /* logical line */
#define MASTER_CF_MAX_SERVICES 1000               /* services */
#define MASTER_CF_MAX_FILE     (16 * 1024 * 1024) /* master.cf size */

/* Service types. */
#define MASTER_CF_INET       1 /* TCP: [host:]port */
#define MASTER_CF_UNIX       2 /* UNIX stream socket */
#define MASTER_CF_UNIX_DGRAM 3 /* UNIX datagram socket (postlog) */
#define MASTER_CF_FIFO       4 /* named pipe */
#define MASTER_CF_PASS       5 /* UNIX socket, descriptor passing */

/* A y/n column left at "-". */
#define MASTER_CF_DEFAULT (-1)

/* The columns before the command. */
#define MASTER_CF_NCOLUMNS 7

/* master_cf_print() flags. */
#define MASTER_CF_PRINT_FOLD (1 << 0) /* -o and arguments on more lines */

typedef struct MASTER_CF_SERVICE {
    char *column[MASTER_CF_NCOLUMNS]; /* the columns as written */
    char *name;                       /* service name */
    int type;                         /* MASTER_CF_INET ... */
    int private;                      /* 1, 0 or MASTER_CF_DEFAULT */
    int unpriv;                       /* 1, 0 or MASTER_CF_DEFAULT */
    int chroot;                       /* 1, 0 or MASTER_CF_DEFAULT */
    int wakeup;                       /* seconds; 0: no wakeups */
    int wakeup_if_used;               /* "N?": not before the first use */
    int maxproc;                      /* -1: default_process_limit; 0: any */
    char *host;                       /* inet: host, "[]" removed, or NULL */
    char *port;                       /* inet: port or service name */
    char *command;                    /* program, in daemon_directory */
    ARGV *args;                       /* other arguments, groups unwrapped */
    ARGV *overrides;                  /* -o settings as "name=value" */
    char *source;                     /* file name */
    int line;                         /* first line of the definition */
} MASTER_CF_SERVICE;

typedef struct MASTER_CF {
    MASTER_CF_SERVICE **services; /* in file order */
    size_t count;                 /* services in use */
    size_t size;                  /* slots allocated */
    size_t max_line;              /* longest logical line */
    size_t max_services;          /* most services */
} MASTER_CF;

extern MASTER_CF *master_cf_create(void);
extern MASTER_CF *master_cf_free(MASTER_CF *mc);
extern int master_cf_read(MASTER_CF *mc, const char *path, STRBUF *err);
extern int master_cf_parse(MASTER_CF *mc, const char *source, const char *data,
                           size_t len, STRBUF *err);
extern MASTER_CF_SERVICE *master_cf_parse_service(const char *source, int line,
                                                  const char *text,
                                                  STRBUF *err);
extern MASTER_CF_SERVICE *master_cf_service_free(MASTER_CF_SERVICE *sv);
extern const MASTER_CF_SERVICE *master_cf_find(const MASTER_CF *mc,
                                               const char *name, int type);
extern STRBUF *master_cf_print(STRBUF *out, const MASTER_CF_SERVICE *sv,
                               int flags);
extern int master_cf_type(const char *name);
extern const char *master_cf_type_name(int type);
extern int master_cf_private(const MASTER_CF_SERVICE *sv);
extern int master_cf_unpriv(const MASTER_CF_SERVICE *sv);
extern int master_cf_chroot(const MASTER_CF_SERVICE *sv, int legacy);

#endif
