/*
 * header_checks - the action language of header_checks, body_checks,
 * mime_header_checks and nested_header_checks (Postfix's header_checks(5)).
 *
 * header_checks_header() looks up one whole logical header ("Name: value",
 * folded lines joined by newlines, as header_parse makes it) in a MAPS,
 * so a pattern table (regexp:, pcre:) sees the full header text;
 * header_checks_body() does the same for one body line.  The first table
 * that answers decides, and a table answers with its first matching rule,
 * so one header gets at most one action.  header_checks_parse() turns a
 * table's answer into an action:
 *
 *   REJECT [text]  DISCARD [text]  HOLD [text]  WARN [text]  INFO [text]
 *   IGNORE  PREPEND text  REPLACE text  REDIRECT user@domain
 *   FILTER transport:destination  BCC user@domain  DUNNO  OK
 *
 * Keywords are case-insensitive.  DUNNO and OK mean no action.  An unknown
 * keyword, a missing argument, or PREPEND/REPLACE text that is not a
 * header when a header is checked is logged as a warning naming the table
 * parameter and is no action, as in Postfix.  A failed lookup is
 * HEADER_ACT_DEFER: the caller defers the message.
 *
 * Results go into a HEADER_ACTION the caller owns
 * (header_checks_action_create(); header_checks_action_free() returns
 * NULL); each call replaces its content.  Nothing here is fatal.
 */
#include <string.h>
#include <strings.h>

#include "header_checks.h"
#include "header_parse.h"
#include "msg.h"
#include "mymalloc.h"
#include "stringops.h"

/* How much of a bad table result a warning quotes. */
#define HEADER_CHECKS_LOG_MAX 100

/* What an action takes after its keyword. */
#define ARG_NONE     0 /* nothing; any text is ignored */
#define ARG_OPTIONAL 1 /* text, or nothing */
#define ARG_REQUIRED 2 /* text */

static const struct {
    const char *name;
    int action;
    int arg;
} header_checks_actions[] = {
    {"REJECT", HEADER_ACT_REJECT, ARG_OPTIONAL},
    {"DISCARD", HEADER_ACT_DISCARD, ARG_OPTIONAL},
    {"HOLD", HEADER_ACT_HOLD, ARG_OPTIONAL},
    {"WARN", HEADER_ACT_WARN, ARG_OPTIONAL},
    {"INFO", HEADER_ACT_INFO, ARG_OPTIONAL},
    {"IGNORE", HEADER_ACT_IGNORE, ARG_NONE},
    {"PREPEND", HEADER_ACT_PREPEND, ARG_REQUIRED},
    {"REPLACE", HEADER_ACT_REPLACE, ARG_REQUIRED},
    {"REDIRECT", HEADER_ACT_REDIRECT, ARG_REQUIRED},
    {"FILTER", HEADER_ACT_FILTER, ARG_REQUIRED},
    {"BCC", HEADER_ACT_BCC, ARG_REQUIRED},
    {"DUNNO", HEADER_ACT_NONE, ARG_NONE},
    {"OK", HEADER_ACT_NONE, ARG_NONE},
};

#define HEADER_CHECKS_NACTIONS                                                 \
    (sizeof(header_checks_actions) / sizeof(header_checks_actions[0]))

/* header_checks_action_create - an empty result */
HEADER_ACTION *
header_checks_action_create(void)
{
    HEADER_ACTION *act = mycalloc(1, sizeof(*act));

    act->text = strbuf_create(100);
    act->key = strbuf_create(100);
    return act;
}

/* header_checks_action_free - release a result; returns NULL */
HEADER_ACTION *
header_checks_action_free(HEADER_ACTION *act)
{
    if (act == NULL)
        return NULL;
    strbuf_free(act->text);
    strbuf_free(act->key);
    myfree(act);
    return NULL;
}

/* header_checks_action_name - the keyword of an action, for logging */
const char *
header_checks_action_name(int action)
{
    size_t i;

    if (action == HEADER_ACT_DEFER)
        return "DEFER";
    for (i = 0; i < HEADER_CHECKS_NACTIONS; i++)
        if (header_checks_actions[i].action == action)
            return header_checks_actions[i].name;
    return "DUNNO";
}

/* header_checks_warn - a bad table result: warn, and no action */
static int
header_checks_warn(const char *title, const char *value, const char *why,
                   HEADER_ACTION *act)
{
    STRBUF *safe = printable(strbuf_create(100), value, strlen(value),
                             HEADER_CHECKS_LOG_MAX, '?');

    msg_warn("%s: %s: \"%s\"; treated as DUNNO", title, why, STR(safe));
    strbuf_free(safe);
    strbuf_reset(act->text);
    return act->action = HEADER_ACT_NONE;
}

/* header_checks_arg_bad - why the text does not fit the action, or NULL */
static const char *
header_checks_arg_bad(int action, int where, const char *arg)
{
    size_t len = strlen(arg);

    switch (action) {
        case HEADER_ACT_PREPEND:
        case HEADER_ACT_REPLACE:
            if (where == HEADER_CHECKS_HEADER &&
                header_parse_class(arg, len) != HEADER_LINE_FIELD)
                return "text is not a message header";
            return NULL;
        case HEADER_ACT_FILTER:
            if (arg[0] == ':' || strchr(arg, ':') == NULL)
                return "need FILTER transport:destination";
            return NULL;
        default:
            return NULL;
    }
}

/* header_checks_parse - turn a table's answer into an action */
int
header_checks_parse(const char *title, int where, const char *value,
                    HEADER_ACTION *act)
{
    size_t klen = strcspn(value, " \t");
    const char *arg = value + klen + strspn(value + klen, " \t");
    const char *bad;
    size_t i;

    strbuf_reset(act->text);
    for (i = 0; i < HEADER_CHECKS_NACTIONS; i++)
        if (strlen(header_checks_actions[i].name) == klen &&
            strncasecmp(header_checks_actions[i].name, value, klen) == 0)
            break;
    if (i == HEADER_CHECKS_NACTIONS)
        return header_checks_warn(title, value, "unknown action", act);
    if (header_checks_actions[i].arg == ARG_REQUIRED && *arg == 0)
        return header_checks_warn(title, value, "action needs text", act);
    if ((bad = header_checks_arg_bad(header_checks_actions[i].action, where,
                                     arg)) != NULL)
        return header_checks_warn(title, value, bad, act);
    if (header_checks_actions[i].arg != ARG_NONE)
        strbuf_strcpy(act->text, arg);
    return act->action = header_checks_actions[i].action;
}

/* header_checks_lookup - one lookup, one action */
static int
header_checks_lookup(MAPS *maps, int where, const char *text, size_t len,
                     HEADER_ACTION *act)
{
    const char *value;

    strbuf_reset(act->text);
    strbuf_memcpy(act->key, text, len);
    if ((value = maps_find(maps, STR(act->key), 0)) != NULL)
        return header_checks_parse(maps->title, where, value, act);
    if (maps->error != DICT_ERR_NONE) {
        strbuf_sprintf(act->text, "%s lookup failed", maps->title);
        return act->action = HEADER_ACT_DEFER;
    }
    return act->action = HEADER_ACT_NONE;
}

/* header_checks_header - the action for one logical header */
int
header_checks_header(MAPS *maps, const char *text, size_t len,
                     HEADER_ACTION *act)
{
    return header_checks_lookup(maps, HEADER_CHECKS_HEADER, text, len, act);
}

/* header_checks_body - the action for one body line */
int
header_checks_body(MAPS *maps, const char *line, size_t len, HEADER_ACTION *act)
{
    return header_checks_lookup(maps, HEADER_CHECKS_BODY, line, len, act);
}
