/*
 * lmtp - the LMTP client delivery agent: the smtp program's code (linked
 * from daemons/smtp/ by the Makefile) with the LMTP protocol and the
 * lmtp_* parameters (docs/smtp.md).
 */
#include "../smtp/smtp.h"

/* main - the lmtp program */
int
main(int argc, char **argv)
{
    smtp_agent_main(argc, argv, SMTP_PROTO_LMTP);
}
