/*
 * mail_dict - register the table types that live in libglobal.
 *
 * mail_dict_init() adds each driver once with dict_register(): proxy:
 * (dict_proxy.c), whose client needs the configuration and the IPC
 * plumbing of libglobal.  The drivers of libutil are built in
 * (dict_builtin.c).  Nothing here fails.
 */
#include "dict.h"
#include "dict_proxy.h"
#include "mail_dict.h"

/* mail_dict_init - register libglobal's table types, once */
void
mail_dict_init(void)
{
    static int done;

    if (done)
        return;
    done = 1;
    (void) dict_register(DICT_TYPE_PROXY, dict_proxy_open);
}
