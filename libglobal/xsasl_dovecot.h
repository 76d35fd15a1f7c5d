#ifndef XSASL_DOVECOT_H
#define XSASL_DOVECOT_H

/*
 * xsasl_dovecot - the dovecot SASL back-end and its line parser.  See
 * xsasl_dovecot.c.
 */
#include "strbuf.h"
#include "xsasl_server.h"

#define XSASL_DC_LINE_MAX      16384 /* bytes of one server line */
#define XSASL_DC_FIELDS_MAX    32    /* TAB-separated fields of one line */
#define XSASL_DC_HANDSHAKE_MAX 64    /* lines before DONE */

/* The kinds of server line. */
enum {
    XSASL_DC_OTHER,   /* SPID, CUID, COOKIE, unknown: ignored */
    XSASL_DC_VERSION, /* major in major */
    XSASL_DC_MECH,    /* mech, mech_flags */
    XSASL_DC_DONE,
    XSASL_DC_OK,   /* id; text = user= */
    XSASL_DC_CONT, /* id; text = base64 challenge */
    XSASL_DC_FAIL  /* id; text = reason=, temp */
};

/* One parsed line; text is caller-owned (strbuf_create before use). */
typedef struct XSASL_DC_REPLY {
    int type;
    unsigned long id;
    unsigned long major;
    char mech[XSASL_MECH_MAX + 1];
    int mech_flags; /* XSASL_MECH_* */
    int temp;       /* FAIL ... temp */
    STRBUF *text;
} XSASL_DC_REPLY;

extern int xsasl_dovecot_parse(const char *line, size_t len,
                               XSASL_DC_REPLY *reply);

#endif
