/*
 * smtp - the SMTP client delivery agent (docs/smtp.md).  The same code
 * runs as lmtp (daemons/lmtp/lmtp.c) with the LMTP protocol.
 */
#include "smtp.h"

/* main - the smtp program */
int
main(int argc, char **argv)
{
    smtp_agent_main(argc, argv, SMTP_PROTO_SMTP);
}
