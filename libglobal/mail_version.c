/*
 * mail_version - the release string shown by commands and banners.
 *
 * mail_version_string() returns "Postern 0.1.0" in static storage.
 */
#include "mail_version.h"

/* mail_version_string - the product name and release */
const char *
mail_version_string(void)
{
    return MAIL_NAME " " MAIL_VERSION;
}
