#ifndef MAIL_VERSION_H
#define MAIL_VERSION_H

/*
 * mail_version - Postern's name and release, for banners, logs and
 * `postern --version`.  mail_version_string() returns static storage.
 */
#define MAIL_NAME "Postern"
#define MAIL_VERSION "0.1.0"

extern const char *mail_version_string(void);

#endif
