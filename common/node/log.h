/*
 * Logging for the node's processes: one line per event on stderr with the
 * sd-daemon "<N>" priority prefix (journald parses it) and the process tag
 * set by log_procinit(). Peer-supplied strings must go through
 * log_escape() first; tokens, keys and plaintext are never logged.
 */
#ifndef DM_NODE_LOG_H
#define DM_NODE_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum dm_log_level { DM_LOG_ERR = 3, DM_LOG_WARNING = 4, DM_LOG_INFO = 6, DM_LOG_DEBUG = 7 };

/* Tags every later line with `name`; level from `level_name` (DMP_LOG_LEVEL:
 * DEBUG, INFO, WARNING, ERROR; NULL = INFO). Returns -1 on an unknown level. */
int log_procinit(const char *name, const char *level_name);
void log_setlevel(enum dm_log_level level);
/* Parses a DMP_LOG_LEVEL name; -1 if unknown. */
int log_level_parse(const char *name);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* + strerror(errno) */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Log at error level and exit(1) (fatal adds strerror(errno)). Startup only. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Copies `len` bytes of `in` into `out` (size `cap`), escaping anything but
 * printable ASCII as \xNN and truncating with "..."; returns `out`. */
const char *log_escape(const void *in, size_t len, char *out, size_t cap);

#endif
