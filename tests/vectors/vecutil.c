#include "tests/vectors/vecutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec/hex.h"

static const char *vectors_dir(void)
{
	const char *env = getenv("DM_VECTORS_DIR");
	return (env != NULL && env[0] != '\0') ? env : DM_VECTORS_DIR;
}

json_t *vec_load(const char *relpath)
{
	char path[4096];
	json_error_t err;
	snprintf(path, sizeof(path), "%s/%s", vectors_dir(), relpath);
	json_t *root = json_load_file(path, JSON_DECODE_ANY, &err);
	if (root == NULL) {
		fprintf(stderr, "vectors %s: cannot load %s: %s (line %d)\n", relpath, path,
			err.text, err.line);
		exit(2);
	}
	return root;
}

const char *vec_str(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

long long vec_int(const json_t *obj, const char *key, long long dflt)
{
	const json_t *v = json_object_get(obj, key);
	return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

bool vec_bool(const json_t *obj, const char *key, bool dflt)
{
	const json_t *v = json_object_get(obj, key);
	return json_is_boolean(v) ? json_is_true(v) : dflt;
}

uint8_t *vec_hex_str(const char *hex, size_t *ret_len)
{
	if (hex == NULL)
		return NULL;
	size_t n = strlen(hex);
	if (n % 2 != 0)
		return NULL;
	uint8_t *out = malloc(n / 2 + 1);
	if (out == NULL)
		return NULL;
	if (dm_hex_decode(hex, n, out, n / 2) != (long)(n / 2)) {
		free(out);
		return NULL;
	}
	out[n / 2] = 0;
	if (ret_len != NULL)
		*ret_len = n / 2;
	return out;
}

uint8_t *vec_hex(const json_t *obj, const char *key, size_t *ret_len)
{
	return vec_hex_str(vec_str(obj, key), ret_len);
}

bool vec_hex_fixed(const json_t *obj, const char *key, uint8_t *out, size_t len)
{
	size_t n = 0;
	uint8_t *p = vec_hex(obj, key, &n);
	bool ok = p != NULL && n == len;
	if (ok)
		memcpy(out, p, len);
	free(p);
	return ok;
}

void vec_case(struct vec_tally *t, bool ok, const char *case_id, const char *why_fmt, ...)
{
	if (ok) {
		t->passed++;
		return;
	}
	t->failed++;
	fprintf(stderr, "FAIL %s case %s: ", t->file, case_id ? case_id : "?");
	va_list ap;
	va_start(ap, why_fmt);
	vfprintf(stderr, why_fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int vec_report(const struct vec_tally *t)
{
	printf("vectors %s: %d passed, %d failed\n", t->file, t->passed, t->failed);
	fflush(stdout);
	return t->failed ? 1 : 0;
}

void vec_dump(const char *label, const uint8_t *p, size_t len)
{
	fprintf(stderr, "%s (%zu): ", label, len);
	for (size_t i = 0; i < len; i++)
		fprintf(stderr, "%02x", p[i]);
	fputc('\n', stderr);
}
