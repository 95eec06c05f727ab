#include "cli/tokens.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/util.h"
#include "common/err.h"
#include "common/net/http.h"

int cli_token_key(const char *host, unsigned port, char out[CLI_TOKEN_KEY_MAX])
{
	size_t n = strlen(host);
	char buf[CLI_TOKEN_KEY_MAX];

	if (n < 2 || n > 253)
		return DM_EINVAL;
	for (size_t i = 0; i < n; i++) {
		char c = host[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		bool edge = i == 0 || i == n - 1;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      (!edge && (c == '.' || c == '-'))))
			return DM_EINVAL;
		buf[i] = c;
	}
	buf[n] = '\0';
	if (port > 65535)
		return DM_EINVAL;
	if (port)
		snprintf(out, CLI_TOKEN_KEY_MAX, "%.253s_%u", buf, port);
	else
		snprintf(out, CLI_TOKEN_KEY_MAX, "%.253s", buf);
	return 0;
}

void cli_token_free(struct cli_token *t)
{
	free(t->key);
	free(t->node);
	free(t->subject);
	free(t->token);
	free(t->registered_spk);
	memset(t, 0, sizeof(*t));
}

int cli_token_save(const char *dir, const struct cli_token *t)
{
	json_t *o = json_object();
	char *path, *text;
	int r;

	json_object_set_new(o, "version", json_integer(1));
	json_object_set_new(o, "node", json_string(t->node));
	json_object_set_new(o, "subject", json_string(t->subject));
	json_object_set_new(o, "token", json_string(t->token));
	json_object_set_new(o, "expires_at",
			    t->expires_at < 0 ? json_null() : json_integer(t->expires_at));
	json_object_set_new(o, "registered_spk",
			    t->registered_spk ? json_string(t->registered_spk) : json_null());
	json_object_set_new(o, "saved_at", json_integer((json_int_t)t->saved_at));
	text = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(o);
	if (text == NULL)
		return DM_ENOMEM;
	r = cli_mkdir_p(dir, 0700);
	if (r == 0) {
		path = cli_xasprintf("%s/%s.json", dir, t->key);
		r = cli_write_atomic(path, text, strlen(text), 0600);
		free(path);
	}
	free(text);
	return r;
}

int cli_token_load(const char *dir, const char *key, struct cli_token *ret)
{
	char *path = cli_xasprintf("%s/%s.json", dir, key), *text;
	size_t len;
	json_t *o, *exp;
	struct cli_token t = {0};
	int r = cli_read_file(path, 65536, &text, &len);

	free(path);
	if (r < 0)
		return r;
	o = json_loadb(text, len, 0, NULL);
	free(text);
	if (!json_is_object(o) || !json_is_string(json_object_get(o, "token"))) {
		json_decref(o);
		return DM_EINVAL;
	}
	t.key = cli_xstrdup(key);
	t.token = cli_xstrdup(json_string_value(json_object_get(o, "token")));
	t.node = cli_xstrdup(json_string_value(json_object_get(o, "node")) ?: key);
	t.subject = cli_xstrdup(json_string_value(json_object_get(o, "subject")) ?: "");
	if (json_is_string(json_object_get(o, "registered_spk")))
		t.registered_spk =
		    cli_xstrdup(json_string_value(json_object_get(o, "registered_spk")));
	exp = json_object_get(o, "expires_at");
	t.expires_at = json_is_integer(exp) ? (int64_t)json_integer_value(exp) : -1;
	t.saved_at = (uint64_t)json_integer_value(json_object_get(o, "saved_at"));
	json_decref(o);
	*ret = t;
	return 0;
}

static bool usable(const struct cli_token *t, uint64_t now)
{
	return t->expires_at < 0 || (uint64_t)t->expires_at + CLI_TOKEN_STALE_SEC >= now;
}

char *cli_token_for_endpoint(const char *dir, const char *endpoint, uint64_t now)
{
	struct dm_http_url u;
	char key[CLI_TOKEN_KEY_MAX];
	char *tok = NULL;

	if (dm_http_url_parse(endpoint, &u) < 0)
		return NULL;
	for (int pass = u.port_explicit ? 0 : 1; pass < 2 && tok == NULL; pass++) {
		struct cli_token t;
		if (cli_token_key(u.host, pass == 0 ? u.port : 0, key) < 0)
			continue;
		if (cli_token_load(dir, key, &t) < 0)
			continue;
		if (usable(&t, now))
			tok = cli_xstrdup(t.token);
		cli_token_free(&t);
	}
	dm_http_url_free(&u);
	return tok;
}

static int cmp_token(const void *a, const void *b)
{
	return strcmp(((const struct cli_token *)a)->key, ((const struct cli_token *)b)->key);
}

int cli_token_list(const char *dir, struct cli_token **ret, size_t *ret_count)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct cli_token *v = NULL;
	size_t n = 0;

	if (d == NULL) {
		*ret = NULL;
		*ret_count = 0;
		return errno == ENOENT ? 0 : -errno;
	}
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		char *key;
		if (l <= 5 || strcmp(e->d_name + l - 5, ".json") != 0)
			continue;
		key = cli_xstrndup(e->d_name, l - 5);
		v = cli_xrealloc(v, (n + 1) * sizeof(*v));
		if (cli_token_load(dir, key, &v[n]) == 0)
			n++;
		free(key);
	}
	closedir(d);
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_token);
	*ret = v;
	*ret_count = n;
	return 0;
}

void cli_token_list_free(struct cli_token *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cli_token_free(&v[i]);
	free(v);
}

int cli_token_forget(const char *dir, const char *node)
{
	struct dm_http_url u;
	char key[CLI_TOKEN_KEY_MAX];
	char *path;
	int r;

	if (dm_http_url_parse(node, &u) < 0)
		return DM_EINVAL;
	r = cli_token_key(u.host, u.port_explicit ? u.port : 0, key);
	dm_http_url_free(&u);
	if (r < 0)
		return r;
	path = cli_xasprintf("%s/%s.json", dir, key);
	r = unlink(path) == 0 ? 0 : -errno;
	free(path);
	return r;
}
