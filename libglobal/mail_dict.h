#ifndef MAIL_DICT_H
#define MAIL_DICT_H

/*
 * mail_dict - register the table types that need libglobal (proxy:).
 * Every daemon skeleton and every command calls mail_dict_init() once,
 * before the first dict_open(); calling it again does nothing.
 */
extern void mail_dict_init(void);

#endif
