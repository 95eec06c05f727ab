#include "common/node/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *log_tag = "dnsmesh";
static enum dm_log_level log_level = DM_LOG_INFO;

int log_level_parse(const char *name)
{
	if (name == NULL || name[0] == '\0')
		return DM_LOG_INFO;
	if (strcasecmp(name, "DEBUG") == 0)
		return DM_LOG_DEBUG;
	if (strcasecmp(name, "INFO") == 0)
		return DM_LOG_INFO;
	if (strcasecmp(name, "WARNING") == 0 || strcasecmp(name, "WARN") == 0)
		return DM_LOG_WARNING;
	if (strcasecmp(name, "ERROR") == 0 || strcasecmp(name, "CRITICAL") == 0)
		return DM_LOG_ERR;
	return -1;
}

int log_procinit(const char *name, const char *level_name)
{
	log_tag = name;
	int level = log_level_parse(level_name);
	if (level < 0)
		return -1;
	log_level = (enum dm_log_level)level;
	return 0;
}

void log_setlevel(enum dm_log_level level)
{
	log_level = level;
}

static void log_vwrite(enum dm_log_level level, int errnum, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void log_vwrite(enum dm_log_level level, int errnum, const char *fmt, va_list ap)
{
	if (level > log_level)
		return;
	char msg[1024];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* One write per line so lines from several processes never interleave. */
	char line[1200];
	int n;
	if (errnum)
		n = snprintf(line, sizeof(line), "<%d>%s: %s: %s\n", level, log_tag, msg,
			     strerror(errnum));
	else
		n = snprintf(line, sizeof(line), "<%d>%s: %s\n", level, log_tag, msg);
	if (n > 0)
		fputs(line, stderr);
}

#define LOG_BODY(level, errnum)                                                                    \
	do {                                                                                       \
		va_list ap;                                                                        \
		va_start(ap, fmt);                                                                 \
		log_vwrite((level), (errnum), fmt, ap);                                            \
		va_end(ap);                                                                        \
	} while (0)

void log_warn(const char *fmt, ...)
{
	int e = errno;
	LOG_BODY(DM_LOG_WARNING, e);
}

void log_warnx(const char *fmt, ...)
{
	LOG_BODY(DM_LOG_WARNING, 0);
}

void log_info(const char *fmt, ...)
{
	LOG_BODY(DM_LOG_INFO, 0);
}

void log_debug(const char *fmt, ...)
{
	LOG_BODY(DM_LOG_DEBUG, 0);
}

void fatal(const char *fmt, ...)
{
	int e = errno;
	LOG_BODY(DM_LOG_ERR, e);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	LOG_BODY(DM_LOG_ERR, 0);
	exit(1);
}

const char *log_escape(const void *in, size_t len, char *out, size_t cap)
{
	const unsigned char *p = in;
	size_t o = 0;
	if (cap < 4) {
		if (cap)
			out[0] = '\0';
		return out;
	}
	for (size_t i = 0; i < len; i++) {
		char tmp[5];
		size_t n = 1;
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			tmp[0] = (char)p[i];
		else
			n = (size_t)snprintf(tmp, sizeof(tmp), "\\x%02x", p[i]);
		if (o + n + 4 > cap) { /* keep room for "..." and the NUL */
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(out + o, tmp, n);
		o += n;
	}
	out[o] = '\0';
	return out;
}
