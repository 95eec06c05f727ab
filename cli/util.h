/*
 * Small helpers every command uses: one-line errors and exit codes (cli.md
 * §0), a progress line shown only on a terminal, checked allocation, and
 * files written atomically with a fixed mode.
 */
#ifndef DM_CLI_UTIL_H
#define DM_CLI_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Exit codes of cli.md §0. */
#define CLI_EXIT_OK	0
#define CLI_EXIT_USER	1 /* config, input, local state */
#define CLI_EXIT_NET	2 /* network / backend; also usage errors */
#define CLI_EXIT_USAGE	2
#define CLI_EXIT_ROTATE 3

/* Prints "dnsmesh: <message>" on stderr (one line) and returns `code`. */
int cli_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "dnsmesh: warning: <message>" on stderr. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A transient status line on stderr, only when stderr is a terminal. */
void cli_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Erases the progress line, if one is showing. */
void cli_progress_done(void);

/* Allocation that cannot fail: out of memory ends the process (exit 70). */
void *cli_xmalloc(size_t n);
void *cli_xcalloc(size_t n, size_t size);
void *cli_xrealloc(void *p, size_t n);
char *cli_xstrdup(const char *s);
char *cli_xstrndup(const char *s, size_t n);
/* printf into a new string. */
char *cli_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Wall clock, Unix seconds. */
uint64_t cli_now(void);
/* Monotonic clock, milliseconds. */
uint64_t cli_mono_ms(void);

/*
 * Writes `len` bytes to `path` through `<path>.tmp` + fsync + rename, with
 * mode `mode`. 0 or -errno.
 */
int cli_write_atomic(const char *path, const void *data, size_t len, mode_t mode);
/*
 * Reads a whole regular file of at most `max` bytes into a new NUL-terminated
 * buffer. -errno (ENOENT when missing), DM_ETOOBIG over `max`.
 * Caller frees *ret.
 */
int cli_read_file(const char *path, size_t max, char **ret, size_t *ret_len);
/* mkdir -p with `mode` for every directory it creates. 0 or -errno. */
int cli_mkdir_p(const char *path, mode_t mode);

/* Exactly 64 hex digits -> 32 bytes. */
bool cli_hex32(const char *hex, uint8_t out[32]);
/* True if `s` is exactly `n` hex digits. */
bool cli_is_hex(const char *s, size_t n);

/* Strips leading/trailing ASCII whitespace in place; returns `s`. */
char *cli_strip(char *s);
/* True if `s` is NULL or "". */
bool cli_empty(const char *s);

#endif
