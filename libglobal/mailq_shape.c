/*
 * mailq_shape - count queued recipients by domain and age bucket, and
 * print them as qshape does.  See mailq_shape.h.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "htable.h"
#include "mailq_shape.h"
#include "mymalloc.h"

/* Upper bounds of the buckets, in minutes; the last bucket is open. */
static const long long shape_bounds[MAILQ_SHAPE_BUCKETS - 1] = {
    5, 10, 20, 40, 80, 160, 320, 640, 1280};

typedef struct SHAPE_ROW {
    const char *name; /* the table's key */
    unsigned long count[MAILQ_SHAPE_BUCKETS];
    unsigned long total;
} SHAPE_ROW;

struct MAILQ_SHAPE {
    HTABLE *rows;
    SHAPE_ROW total;
};

/* mailq_shape_create - an empty table */
MAILQ_SHAPE *
mailq_shape_create(void)
{
    MAILQ_SHAPE *shape = mycalloc(1, sizeof(*shape));

    shape->rows = htable_create(100);
    shape->total.name = "TOTAL";
    return shape;
}

/* shape_bucket - the bucket of an age in seconds */
static int
shape_bucket(long long age)
{
    int i;

    for (i = 0; i < MAILQ_SHAPE_BUCKETS - 1; i++)
        if (age < shape_bounds[i] * 60)
            return i;
    return MAILQ_SHAPE_BUCKETS - 1;
}

/* shape_row - the row of a domain, made on first use */
static SHAPE_ROW *
shape_row(MAILQ_SHAPE *shape, const char *rcpt)
{
    const char *at = strrchr(rcpt, '@');
    char name[MAILQ_SHAPE_MAX_NAME + 1];
    size_t i, len;
    SHAPE_ROW *row;

    at = at ? at + 1 : "";
    len = strlen(at) > MAILQ_SHAPE_MAX_NAME ? MAILQ_SHAPE_MAX_NAME
                                            : strlen(at);
    for (i = 0; i < len; i++)
        name[i] = (char) tolower((unsigned char) at[i]);
    name[len] = 0;
    if ((row = htable_find(shape->rows, name)) != NULL)
        return row;
    if (shape->rows->used >= MAILQ_SHAPE_MAX_DOMAINS &&
        (row = htable_find(shape->rows, "(other)")) != NULL)
        return row;
    if (shape->rows->used >= MAILQ_SHAPE_MAX_DOMAINS)
        strcpy(name, "(other)");
    row = mycalloc(1, sizeof(*row));
    row->name = htable_enter(shape->rows, name, row)->key;
    return row;
}

/* mailq_shape_add - count one recipient */
void
mailq_shape_add(MAILQ_SHAPE *shape, const char *rcpt, long long age)
{
    SHAPE_ROW *row = shape_row(shape, rcpt);
    int b = shape_bucket(age < 0 ? 0 : age);

    row->count[b]++;
    row->total++;
    shape->total.count[b]++;
    shape->total.total++;
}

/* shape_cmp - descending total, then by name */
static int
shape_cmp(const void *a, const void *b)
{
    const SHAPE_ROW *x = (*(HTABLE_INFO *const *) a)->value;
    const SHAPE_ROW *y = (*(HTABLE_INFO *const *) b)->value;

    if (x->total != y->total)
        return x->total > y->total ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* shape_line - one row of the table */
static void
shape_line(STRBUF *out, const char *name, const SHAPE_ROW *row)
{
    int i;

    strbuf_sprintf_cat(out, "%*s %6lu", 24, name, row->total);
    for (i = 0; i < MAILQ_SHAPE_BUCKETS; i++)
        strbuf_sprintf_cat(out, " %5lu", row->count[i]);
    strbuf_addch(out, '\n');
}

/* mailq_shape_format - the header, TOTAL and the busiest domains */
STRBUF *
mailq_shape_format(const MAILQ_SHAPE *shape, STRBUF *out, size_t max_rows)
{
    HTABLE_INFO **list = htable_list(shape->rows);
    size_t i;
    int b;

    strbuf_sprintf_cat(out, "%*s %6s", 24, "", "T");
    for (b = 0; b < MAILQ_SHAPE_BUCKETS - 1; b++)
        strbuf_sprintf_cat(out, " %5lld", shape_bounds[b]);
    strbuf_sprintf_cat(out, " %5s\n", "1280+");
    shape_line(out, "TOTAL", &shape->total);
    qsort(list, shape->rows->used, sizeof(*list), shape_cmp);
    for (i = 0; i < shape->rows->used && (max_rows == 0 || i < max_rows);
         i++)
        shape_line(out, ((SHAPE_ROW *) list[i]->value)->name,
                   list[i]->value);
    myfree(list);
    return out;
}

/* mailq_shape_free - release the table; NULL */
MAILQ_SHAPE *
mailq_shape_free(MAILQ_SHAPE *shape)
{
    if (shape != NULL) {
        htable_free(shape->rows, myfree);
        myfree(shape);
    }
    return NULL;
}
