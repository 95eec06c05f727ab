#include "cli/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/codec/hex.h"
#include "common/err.h"

static bool progress_shown;

int cli_fail(int code, const char *fmt, ...)
{
	va_list ap;
	cli_progress_done();
	fputs("dnsmesh: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;
	cli_progress_done();
	fputs("dnsmesh: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_progress(const char *fmt, ...)
{
	va_list ap;
	if (!isatty(STDERR_FILENO))
		return;
	fputs("\r\033[K", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
	progress_shown = true;
}

void cli_progress_done(void)
{
	if (!progress_shown)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	progress_shown = false;
}

static void oom(void)
{
	fputs("dnsmesh: out of memory\n", stderr);
	exit(70);
}

void *cli_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		oom();
	return p;
}

void *cli_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		oom();
	return p;
}

void *cli_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (q == NULL)
		oom();
	return q;
}

char *cli_xstrdup(const char *s)
{
	return cli_xstrndup(s, strlen(s));
}

char *cli_xstrndup(const char *s, size_t n)
{
	char *p = cli_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *cli_xasprintf(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	p = cli_xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

uint64_t cli_now(void)
{
	return (uint64_t)time(NULL);
}

uint64_t cli_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int cli_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	char *tmp = cli_xasprintf("%s.tmp", path);
	const uint8_t *p = data;
	int fd, r = 0;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0) {
		r = -errno;
		free(tmp);
		return r;
	}
	/* O_CREAT leaves an existing file's mode alone. */
	if (fchmod(fd, mode) < 0)
		r = -errno;
	while (r == 0 && len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	free(tmp);
	return r;
}

int cli_read_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
	struct stat st;
	char *buf;
	size_t off = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return DM_ETOOBIG;
	}
	buf = cli_xmalloc(max + 1);
	for (;;) {
		ssize_t n = read(fd, buf + off, max - off + 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = -errno;
			close(fd);
			free(buf);
			return e;
		}
		if (n == 0)
			break;
		off += (size_t)n;
		if (off > max) {
			close(fd);
			free(buf);
			return DM_ETOOBIG;
		}
	}
	close(fd);
	buf[off] = '\0';
	*ret = buf;
	*ret_len = off;
	return 0;
}

int cli_mkdir_p(const char *path, mode_t mode)
{
	char *p = cli_xstrdup(path);
	int r = 0;

	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			r = -errno;
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return r;
}

bool cli_is_hex(const char *s, size_t n)
{
	if (s == NULL || strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return false;
	}
	return true;
}

bool cli_hex32(const char *hex, uint8_t out[32])
{
	if (!cli_is_hex(hex, 64))
		return false;
	return dm_hex_decode(hex, 64, out, 32) == 32;
}

char *cli_strip(char *s)
{
	size_t n;
	char *b = s;

	while (*b == ' ' || *b == '\t' || *b == '\n' || *b == '\r' || *b == '\v' || *b == '\f')
		b++;
	n = strlen(b);
	while (n > 0 && (b[n - 1] == ' ' || b[n - 1] == '\t' || b[n - 1] == '\n' ||
			 b[n - 1] == '\r' || b[n - 1] == '\v' || b[n - 1] == '\f'))
		n--;
	memmove(s, b, n);
	s[n] = '\0';
	return s;
}

bool cli_empty(const char *s)
{
	return s == NULL || *s == '\0';
}
