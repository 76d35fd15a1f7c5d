/*
 * flush_clnt - ask the flush service to remember or deliver a site's
 * deferred mail.  See flush_clnt.h.
 */
#include <string.h>

#include "attr.h"
#include "flush_clnt.h"
#include "mail_proto.h"
#include "match_list.h"
#include "mymalloc.h"

static MAIL_CLNT *flush_mail;
static MATCH_LIST *flush_domains;

/* flush_request - one request with one or two attributes */
static int
flush_request(const char *req, const char *site, const char *queue_id,
              STRBUF *why)
{
    ATTR_LIST *list = attr_list_create(), *reply = attr_list_create();
    int status;

    if (flush_mail == NULL)
        flush_mail = mail_clnt_create_conf(NULL, MAIL_CLASS_PUBLIC,
                                           MAIL_SERVICE_FLUSH);
    attr_put_str(list, MAIL_ATTR_REQ, req);
    attr_put_str(list, FLUSH_ATTR_SITE, site);
    if (queue_id != NULL)
        attr_put_str(list, FLUSH_ATTR_QUEUE_ID, queue_id);
    status = mail_clnt_request(flush_mail, list, reply, why);
    if (status > 0 && attr_get_str(reply, MAIL_ATTR_REASON) != NULL)
        strbuf_strcpy(why, attr_get_str(reply, MAIL_ATTR_REASON));
    attr_list_free(list);
    attr_list_free(reply);
    return status;
}

/* flush_add - remember that queue_id has mail deferred for site */
int
flush_add(const char *site, const char *queue_id, STRBUF *why)
{
    if (flush_domains == NULL)
        flush_domains = match_list_param("fast_flush_domains", MATCH_DOMAIN);
    if (*site == 0 || match_list_match(flush_domains, site, NULL) != 1)
        return 0;
    return flush_request(FLUSH_REQ_ADD, site, queue_id, why) == MAIL_STAT_OK
               ? 0
               : -1;
}

/* flush_send_site - deliver the mail listed for site now */
int
flush_send_site(const char *site, STRBUF *why)
{
    return flush_request(FLUSH_REQ_SEND_SITE, site, NULL, why);
}
