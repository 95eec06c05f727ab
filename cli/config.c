#include "cli/config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "cli/util.h"
#include "common/err.h"

/* What survives of unknown keys: the whole document and where they sit in it. */
struct extra {
	yaml_document_t doc;
	size_t count;
	struct {
		char *key;
		int value; /* node index in doc */
	} * pairs;
};

static char *dup_or_null(const char *s)
{
	return s ? cli_xstrdup(s) : NULL;
}

void cli_config_set(char **field, const char *v)
{
	char *n = dup_or_null(v);
	free(*field);
	*field = n;
}

void cli_config_defaults(struct cli_config *c)
{
	memset(c, 0, sizeof(*c));
	c->username = cli_xstrdup("");
	c->domain = cli_xstrdup(CLI_DEFAULT_DOMAIN);
	c->endpoint = cli_xstrdup("");
	c->dns_port = CLI_DEFAULT_DNS_PORT;
	c->kdf_salt = cli_xstrdup("");
	c->identity_domain = cli_xstrdup("");
	c->verify_pubkey = cli_xstrdup("");
	c->cluster_base_domain = cli_xstrdup("");
	c->cluster_operator_spk = cli_xstrdup("");
	c->cluster_refresh_interval = CLI_DEFAULT_REFRESH;
	c->cluster_node_token = cli_xstrdup("");
	c->bootstrap_user_domain = cli_xstrdup("");
	c->bootstrap_signer_spk = cli_xstrdup("");
	c->claim_provider_override = cli_xstrdup("");
	c->claim_provider_zone = cli_xstrdup("");
}

static void contact_free(struct cli_contact *k)
{
	free(k->label);
	free(k->pub);
	free(k->spk);
	free(k->domain);
	free(k->remote_username);
}

static void extra_free(struct extra *x)
{
	if (x == NULL)
		return;
	for (size_t i = 0; i < x->count; i++)
		free(x->pairs[i].key);
	free(x->pairs);
	yaml_document_delete(&x->doc);
	free(x);
}

void cli_config_free(struct cli_config *c)
{
	char **strs[] = {&c->username,
			 &c->domain,
			 &c->endpoint,
			 &c->http_token,
			 &c->dns_host,
			 &c->passphrase_file,
			 &c->kdf_salt,
			 &c->identity_domain,
			 &c->verify_pubkey,
			 &c->cluster_base_domain,
			 &c->cluster_operator_spk,
			 &c->cluster_node_token,
			 &c->bootstrap_user_domain,
			 &c->bootstrap_signer_spk,
			 &c->claim_provider_override,
			 &c->claim_provider_zone,
			 &c->doh_url,
			 &c->tls_pin_sha256};
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(*strs[i]);
	for (size_t i = 0; i < c->resolver_count; i++)
		free(c->dns_resolvers[i]);
	free(c->dns_resolvers);
	for (size_t i = 0; i < c->contact_count; i++)
		contact_free(&c->contacts[i]);
	free(c->contacts);
	extra_free(c->extra);
	memset(c, 0, sizeof(*c));
}

/* ---- loading ------------------------------------------------------------- */

struct loader {
	yaml_document_t *doc;
	char *err;
};

static int fail(struct loader *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct loader *l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(l->err, CLI_CONFIG_ERR_MAX, fmt, ap);
	va_end(ap);
	return DM_EINVAL;
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* YAML 1.1 null as PyYAML resolves a plain scalar. */
static bool is_null(const yaml_node_t *n)
{
	const char *s;
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	s = scalar(n);
	return !strcmp(s, "") || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	       !strcmp(s, "NULL");
}

/* A string field: `nullable` fields keep null as NULL, others read it as "". */
static int get_str(struct loader *l, const char *key, yaml_node_t *n, bool nullable, char **field)
{
	if (is_null(n)) {
		cli_config_set(field, nullable ? NULL : "");
		return 0;
	}
	if (n->type != YAML_SCALAR_NODE)
		return fail(l, "config.yaml: %s must be a string", key);
	if (strlen(scalar(n)) != n->data.scalar.length)
		return fail(l, "config.yaml: %s contains a NUL byte", key);
	cli_config_set(field, scalar(n));
	return 0;
}

static int get_int(struct loader *l, const char *key, yaml_node_t *n, long dflt, long *out)
{
	char *end;
	long v;
	if (is_null(n)) {
		*out = dflt;
		return 0;
	}
	if (n->type != YAML_SCALAR_NODE)
		return fail(l, "config.yaml: %s must be an integer", key);
	errno = 0;
	v = strtol(scalar(n), &end, 10);
	if (errno != 0 || end == scalar(n) || *end != '\0')
		return fail(l, "config.yaml: %s must be an integer, not '%.40s'", key, scalar(n));
	*out = v;
	return 0;
}

static int get_bool(struct loader *l, const char *key, yaml_node_t *n, bool *out)
{
	static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes",
					  "YES",  "on",	  "On",	  "ON"};
	static const char *const no[] = {"false", "False", "FALSE", "no", "No",
					 "NO",	  "off",   "Off",   "OFF"};
	if (is_null(n)) {
		*out = false;
		return 0;
	}
	if (n->type != YAML_SCALAR_NODE)
		return fail(l, "config.yaml: %s must be true or false", key);
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcmp(scalar(n), yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcmp(scalar(n), no[i])) {
			*out = false;
			return 0;
		}
	}
	return fail(l, "config.yaml: %s must be true or false", key);
}

static int get_resolvers(struct loader *l, yaml_node_t *n, struct cli_config *c)
{
	/* A repeated key replaces the earlier list. */
	for (size_t i = 0; i < c->resolver_count; i++)
		free(c->dns_resolvers[i]);
	free(c->dns_resolvers);
	c->dns_resolvers = NULL;
	c->resolver_count = 0;
	if (is_null(n))
		return 0;
	if (n->type == YAML_SCALAR_NODE) {
		c->dns_resolvers = cli_xcalloc(1, sizeof(char *));
		c->dns_resolvers[0] = cli_xstrdup(scalar(n));
		c->resolver_count = 1;
		return 0;
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return fail(l, "config.yaml: dns_resolvers must be a list");
	size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	c->dns_resolvers = cli_xcalloc(cnt, sizeof(char *));
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		yaml_node_t *e = yaml_document_get_node(l->doc, *it);
		if (e == NULL || e->type != YAML_SCALAR_NODE)
			return fail(l, "config.yaml: dns_resolvers entries must be strings");
		c->dns_resolvers[c->resolver_count++] = cli_xstrdup(scalar(e));
	}
	return 0;
}

static int get_contact(struct loader *l, const char *label, yaml_node_t *v, struct cli_config *c)
{
	char *f[4] = {NULL, NULL, NULL, NULL};
	static const char *const keys[4] = {"pub", "spk", "domain", "remote_username"};
	int r = 0;

	if (v->type == YAML_SCALAR_NODE) {
		/* Legacy form: label -> pubkey hex. */
		cli_config_contact_put(c, label, is_null(v) ? "" : scalar(v), "", "", NULL);
		return 0;
	}
	if (v->type != YAML_MAPPING_NODE)
		return fail(l, "config.yaml: contact %.60s must be a mapping", label);
	for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(l->doc, p->key);
		yaml_node_t *e = yaml_document_get_node(l->doc, p->value);
		if (k == NULL || e == NULL || k->type != YAML_SCALAR_NODE)
			continue;
		for (int i = 0; i < 4 && r == 0; i++)
			if (!strcmp(scalar(k), keys[i]))
				r = get_str(l, keys[i], e, i == 3, &f[i]);
	}
	if (r == 0)
		cli_config_contact_put(c, label, f[0] ? f[0] : "", f[1] ? f[1] : "",
				       f[2] ? f[2] : "", cli_empty(f[3]) ? NULL : f[3]);
	for (int i = 0; i < 4; i++)
		free(f[i]);
	return r;
}

static int get_contacts(struct loader *l, yaml_node_t *n, struct cli_config *c)
{
	if (is_null(n))
		return 0;
	if (n->type != YAML_MAPPING_NODE)
		return fail(l, "config.yaml: contacts must be a mapping");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(l->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(l->doc, p->value);
		int r;
		if (k == NULL || v == NULL || k->type != YAML_SCALAR_NODE)
			return fail(l, "config.yaml: contact names must be strings");
		if (strlen(scalar(k)) != k->data.scalar.length || k->data.scalar.length == 0)
			return fail(l, "config.yaml: empty or invalid contact name");
		r = get_contact(l, scalar(k), v, c);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Counts the nodes under `idx`, refusing deep or huge (alias-bombed) trees. */
static bool extra_bounded(yaml_document_t *doc, int idx, int depth, size_t *budget)
{
	yaml_node_t *n = yaml_document_get_node(doc, idx);
	if (n == NULL || depth > CLI_CONFIG_EXTRA_DEPTH || *budget == 0)
		return false;
	(*budget)--;
	if (n->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top; it++)
			if (!extra_bounded(doc, *it, depth + 1, budget))
				return false;
	} else if (n->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
		     p < n->data.mapping.pairs.top; p++)
			if (!extra_bounded(doc, p->key, depth + 1, budget) ||
			    !extra_bounded(doc, p->value, depth + 1, budget))
				return false;
	}
	return true;
}

static bool is_known_key(const char *k);

static int keep_extra(struct loader *l, struct extra *x, const char *key, int value)
{
	size_t budget = CLI_CONFIG_EXTRA_NODES;
	if (!extra_bounded(l->doc, value, 0, &budget))
		return fail(l, "config.yaml: value of %.60s is nested too deeply or too large",
			    key);
	for (size_t i = 0; i < x->count; i++)
		if (!strcmp(x->pairs[i].key, key)) {
			x->pairs[i].value = value;
			return 0;
		}
	x->pairs = cli_xrealloc(x->pairs, (x->count + 1) * sizeof(*x->pairs));
	x->pairs[x->count].key = cli_xstrdup(key);
	x->pairs[x->count].value = value;
	x->count++;
	return 0;
}

static int load_key(struct loader *l, struct cli_config *c, const char *k, yaml_node_t *v)
{
	struct {
		const char *key;
		char **field;
		bool nullable;
	} strs[] = {
	    {"username", &c->username, false},
	    {"domain", &c->domain, false},
	    {"endpoint", &c->endpoint, false},
	    {"http_token", &c->http_token, true},
	    {"dns_host", &c->dns_host, true},
	    {"passphrase_file", &c->passphrase_file, true},
	    {"kdf_salt", &c->kdf_salt, false},
	    {"identity_domain", &c->identity_domain, false},
	    {"verify_pubkey", &c->verify_pubkey, false},
	    {"cluster_base_domain", &c->cluster_base_domain, false},
	    {"cluster_operator_spk", &c->cluster_operator_spk, false},
	    {"cluster_node_token", &c->cluster_node_token, false},
	    {"bootstrap_user_domain", &c->bootstrap_user_domain, false},
	    {"bootstrap_signer_spk", &c->bootstrap_signer_spk, false},
	    {"claim_provider_override", &c->claim_provider_override, false},
	    {"claim_provider_zone", &c->claim_provider_zone, false},
	    {"doh_url", &c->doh_url, true},
	    {"tls_pin_sha256", &c->tls_pin_sha256, true},
	};
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (!strcmp(k, strs[i].key))
			return get_str(l, k, v, strs[i].nullable, strs[i].field);
	if (!strcmp(k, "dns_port"))
		return get_int(l, k, v, CLI_DEFAULT_DNS_PORT, &c->dns_port);
	if (!strcmp(k, "cluster_refresh_interval"))
		return get_int(l, k, v, CLI_DEFAULT_REFRESH, &c->cluster_refresh_interval);
	if (!strcmp(k, "cluster_enabled"))
		return get_bool(l, k, v, &c->cluster_enabled);
	if (!strcmp(k, "dns_resolvers"))
		return get_resolvers(l, v, c);
	if (!strcmp(k, "contacts"))
		return get_contacts(l, v, c);
	return 1; /* unknown */
}

int cli_config_parse(const char *text, size_t len, struct cli_config *ret, char *err)
{
	yaml_parser_t parser;
	struct extra *x = cli_xcalloc(1, sizeof(*x));
	struct loader l = {.doc = &x->doc, .err = err};
	struct cli_config c;
	yaml_node_t *root;
	int r = 0;

	err[0] = '\0';
	if (!yaml_parser_initialize(&parser)) {
		free(x);
		return DM_ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &x->doc)) {
		r = fail(&l, "config.yaml: invalid YAML at line %lu: %s",
			 (unsigned long)parser.problem_mark.line + 1,
			 parser.problem ? parser.problem : "parse error");
		yaml_parser_delete(&parser);
		free(x);
		return r;
	}
	yaml_parser_delete(&parser);

	cli_config_defaults(&c);
	root = yaml_document_get_root_node(&x->doc);
	if (root != NULL && !is_null(root) && root->type != YAML_MAPPING_NODE)
		r = fail(&l, "config.yaml: the top level must be a mapping");
	if (root != NULL && root->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
		     r == 0 && p < root->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(&x->doc, p->key);
			yaml_node_t *v = yaml_document_get_node(&x->doc, p->value);
			if (k == NULL || v == NULL || k->type != YAML_SCALAR_NODE ||
			    strlen(scalar(k)) != k->data.scalar.length) {
				r = fail(&l, "config.yaml: top-level keys must be strings");
				break;
			}
			r = load_key(&l, &c, scalar(k), v);
			if (r == 1)
				r = keep_extra(&l, x, scalar(k), p->value);
		}
	}
	if (r == 0 && cli_empty(c.domain))
		cli_config_set(&c.domain, CLI_DEFAULT_DOMAIN);
	if (r < 0) {
		cli_config_free(&c);
		extra_free(x);
		return r;
	}
	c.extra = x;
	*ret = c;
	return 0;
}

int cli_config_load(const char *path, struct cli_config *ret, char *err)
{
	char *text;
	size_t len;
	int r = cli_read_file(path, CLI_CONFIG_MAX_BYTES, &text, &len);
	if (r < 0) {
		snprintf(err, CLI_CONFIG_ERR_MAX, "cannot read %s: %s", path,
			 r == DM_ETOOBIG ? "file too large" : strerror(-r));
		return r;
	}
	r = cli_config_parse(text, len, ret, err);
	free(text);
	return r;
}

/* ---- saving -------------------------------------------------------------- */

struct out {
	char *buf;
	size_t len, cap;
};

static int out_write(void *data, unsigned char *buffer, size_t size)
{
	struct out *o = data;
	if (o->len + size + 1 > o->cap) {
		o->cap = (o->len + size + 1) * 2;
		o->buf = cli_xrealloc(o->buf, o->cap);
	}
	memcpy(o->buf + o->len, buffer, size);
	o->len += size;
	o->buf[o->len] = '\0';
	return 1;
}

/*
 * PyYAML would read these as null, bool, int, float or a timestamp if they
 * were plain, so they are quoted. Erring towards quoting is always safe.
 */
static bool plain_is_special(const char *s)
{
	static const char *const words[] = {
	    "~",     "null", "Null", "NULL", "true", "True", "TRUE", "false", "False",
	    "FALSE", "yes",  "Yes",  "YES",  "no",   "No",   "NO",   "on",    "On",
	    "ON",    "off",  "Off",  "OFF",  "y",    "Y",    "n",    "N",     ".inf",
	    ".Inf",  ".INF", ".nan", ".NaN", ".NAN", "<<",   "="};
	if (*s == '\0')
		return true;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(s, words[i]))
			return true;
	const char *p = s;
	if (*p == '+' || *p == '-')
		p++;
	if (*p == '.')
		p++;
	return *p >= '0' && *p <= '9';
}

static int ev_scalar(yaml_emitter_t *e, const char *s, bool typed)
{
	yaml_event_t ev;
	int plain = typed || !plain_is_special(s);
	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), plain,
					  1, YAML_ANY_SCALAR_STYLE))
		return DM_ENOMEM;
	return yaml_emitter_emit(e, &ev) ? 0 : DM_EINVAL;
}

static int ev_str(yaml_emitter_t *e, const char *s)
{
	return s ? ev_scalar(e, s, false) : ev_scalar(e, "null", true);
}

static int ev_int(yaml_emitter_t *e, long v)
{
	char b[32];
	snprintf(b, sizeof(b), "%ld", v);
	return ev_scalar(e, b, true);
}

static int ev_map(yaml_emitter_t *e, bool start)
{
	yaml_event_t ev;
	int ok = start ? yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
							     YAML_BLOCK_MAPPING_STYLE)
		       : yaml_mapping_end_event_initialize(&ev);
	if (!ok)
		return DM_ENOMEM;
	return yaml_emitter_emit(e, &ev) ? 0 : DM_EINVAL;
}

static int ev_seq(yaml_emitter_t *e, bool start)
{
	yaml_event_t ev;
	int ok = start ? yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
							      YAML_BLOCK_SEQUENCE_STYLE)
		       : yaml_sequence_end_event_initialize(&ev);
	if (!ok)
		return DM_ENOMEM;
	return yaml_emitter_emit(e, &ev) ? 0 : DM_EINVAL;
}

/* Re-emits a loaded node as it was (style and tag kept). Bounded at load. */
static int ev_node(yaml_emitter_t *e, yaml_document_t *doc, int idx)
{
	yaml_node_t *n = yaml_document_get_node(doc, idx);
	yaml_event_t ev;
	int r = 0;

	if (n == NULL)
		return DM_EINVAL;
	switch (n->type) {
	case YAML_SCALAR_NODE: {
		bool is_str = n->tag && !strcmp((char *)n->tag, YAML_STR_TAG);
		bool plain = n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		if (!yaml_scalar_event_initialize(&ev, NULL, NULL, n->data.scalar.value,
						  (int)n->data.scalar.length, plain || !is_str,
						  !plain || is_str, n->data.scalar.style))
			return DM_ENOMEM;
		return yaml_emitter_emit(e, &ev) ? 0 : DM_EINVAL;
	}
	case YAML_SEQUENCE_NODE:
		if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
							  n->data.sequence.style) ||
		    !yaml_emitter_emit(e, &ev))
			return DM_EINVAL;
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     r == 0 && it < n->data.sequence.items.top; it++)
			r = ev_node(e, doc, *it);
		return r ? r : ev_seq(e, false);
	case YAML_MAPPING_NODE:
		if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
							 n->data.mapping.style) ||
		    !yaml_emitter_emit(e, &ev))
			return DM_EINVAL;
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
		     r == 0 && p < n->data.mapping.pairs.top; p++) {
			r = ev_node(e, doc, p->key);
			if (r == 0)
				r = ev_node(e, doc, p->value);
		}
		return r ? r : ev_map(e, false);
	default:
		return DM_EINVAL;
	}
}

static int cmp_contact(const void *a, const void *b)
{
	return strcmp(((const struct cli_contact *)a)->label,
		      ((const struct cli_contact *)b)->label);
}

static int ev_contacts(yaml_emitter_t *e, const struct cli_config *c)
{
	struct cli_contact *sorted;
	int r;

	if (c->contact_count == 0) {
		yaml_event_t ev;
		if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
							 YAML_FLOW_MAPPING_STYLE) ||
		    !yaml_emitter_emit(e, &ev))
			return DM_EINVAL;
		return ev_map(e, false);
	}
	sorted = cli_xmalloc(c->contact_count * sizeof(*sorted));
	memcpy(sorted, c->contacts, c->contact_count * sizeof(*sorted));
	qsort(sorted, c->contact_count, sizeof(*sorted), cmp_contact);
	r = ev_map(e, true);
	for (size_t i = 0; r == 0 && i < c->contact_count; i++) {
		const struct cli_contact *k = &sorted[i];
		r = ev_str(e, k->label);
		if (r == 0)
			r = ev_map(e, true);
		if (r == 0)
			r = ev_str(e, "domain");
		if (r == 0)
			r = ev_str(e, k->domain);
		if (r == 0)
			r = ev_str(e, "pub");
		if (r == 0)
			r = ev_str(e, k->pub);
		if (r == 0 && k->remote_username) {
			r = ev_str(e, "remote_username");
			if (r == 0)
				r = ev_str(e, k->remote_username);
		}
		if (r == 0)
			r = ev_str(e, "spk");
		if (r == 0)
			r = ev_str(e, k->spk);
		if (r == 0)
			r = ev_map(e, false);
	}
	free(sorted);
	return r ? r : ev_map(e, false);
}

static int ev_resolvers(yaml_emitter_t *e, const struct cli_config *c)
{
	int r;
	if (c->resolver_count == 0) {
		yaml_event_t ev;
		if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
							  YAML_FLOW_SEQUENCE_STYLE) ||
		    !yaml_emitter_emit(e, &ev))
			return DM_EINVAL;
		return ev_seq(e, false);
	}
	r = ev_seq(e, true);
	for (size_t i = 0; r == 0 && i < c->resolver_count; i++)
		r = ev_str(e, c->dns_resolvers[i]);
	return r ? r : ev_seq(e, false);
}

enum kind { K_STR, K_INT, K_BOOL, K_CONTACTS, K_RESOLVERS, K_EXTRA, K_OPT_STR };

struct entry {
	const char *key;
	enum kind kind;
	const char *s;
	long i;
	int node;
};

static const char *const known_keys[] = {"bootstrap_signer_spk",
					 "bootstrap_user_domain",
					 "claim_provider_override",
					 "claim_provider_zone",
					 "cluster_base_domain",
					 "cluster_enabled",
					 "cluster_node_token",
					 "cluster_operator_spk",
					 "cluster_refresh_interval",
					 "contacts",
					 "dns_host",
					 "dns_port",
					 "dns_resolvers",
					 "doh_url",
					 "domain",
					 "endpoint",
					 "http_token",
					 "identity_domain",
					 "kdf_salt",
					 "passphrase_file",
					 "tls_pin_sha256",
					 "username",
					 "verify_pubkey"};

static bool is_known_key(const char *k)
{
	for (size_t i = 0; i < sizeof(known_keys) / sizeof(known_keys[0]); i++)
		if (!strcmp(k, known_keys[i]))
			return true;
	return false;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->key, ((const struct entry *)b)->key);
}

static int emit_entry(yaml_emitter_t *e, const struct cli_config *c, const struct entry *en)
{
	int r = ev_str(e, en->key);
	if (r < 0)
		return r;
	switch (en->kind) {
	case K_STR:
	case K_OPT_STR:
		return ev_str(e, en->s);
	case K_INT:
		return ev_int(e, en->i);
	case K_BOOL:
		return ev_scalar(e, en->i ? "true" : "false", true);
	case K_CONTACTS:
		return ev_contacts(e, c);
	case K_RESOLVERS:
		return ev_resolvers(e, c);
	case K_EXTRA:
		return ev_node(e, &((struct extra *)c->extra)->doc, en->node);
	}
	return DM_EINVAL;
}

int cli_config_emit(const struct cli_config *c, char **ret_text, size_t *ret_len)
{
	struct entry fixed[] = {
	    {"bootstrap_signer_spk", K_STR, c->bootstrap_signer_spk, 0, 0},
	    {"bootstrap_user_domain", K_STR, c->bootstrap_user_domain, 0, 0},
	    {"claim_provider_override", K_STR, c->claim_provider_override, 0, 0},
	    {"claim_provider_zone", K_STR, c->claim_provider_zone, 0, 0},
	    {"cluster_base_domain", K_STR, c->cluster_base_domain, 0, 0},
	    {"cluster_enabled", K_BOOL, NULL, c->cluster_enabled, 0},
	    {"cluster_node_token", K_STR, c->cluster_node_token, 0, 0},
	    {"cluster_operator_spk", K_STR, c->cluster_operator_spk, 0, 0},
	    {"cluster_refresh_interval", K_INT, NULL, c->cluster_refresh_interval, 0},
	    {"contacts", K_CONTACTS, NULL, 0, 0},
	    {"dns_host", K_STR, c->dns_host, 0, 0},
	    {"dns_port", K_INT, NULL, c->dns_port, 0},
	    {"dns_resolvers", K_RESOLVERS, NULL, 0, 0},
	    {"domain", K_STR, c->domain, 0, 0},
	    {"endpoint", K_STR, c->endpoint, 0, 0},
	    {"http_token", K_STR, c->http_token, 0, 0},
	    {"identity_domain", K_STR, c->identity_domain, 0, 0},
	    {"kdf_salt", K_STR, c->kdf_salt, 0, 0},
	    {"passphrase_file", K_STR, c->passphrase_file, 0, 0},
	    {"username", K_STR, c->username, 0, 0},
	    {"verify_pubkey", K_STR, c->verify_pubkey, 0, 0},
	    {"doh_url", K_OPT_STR, c->doh_url, 0, 0},
	    {"tls_pin_sha256", K_OPT_STR, c->tls_pin_sha256, 0, 0},
	};
	const struct extra *x = c->extra;
	size_t nfixed = sizeof(fixed) / sizeof(fixed[0]);
	size_t n = 0, cap = nfixed + (x ? x->count : 0);
	struct entry *all = cli_xcalloc(cap, sizeof(*all));
	struct out o = {0};
	yaml_emitter_t e;
	yaml_event_t ev;
	int r = 0;

	for (size_t i = 0; i < nfixed; i++)
		if (fixed[i].kind != K_OPT_STR || !cli_empty(fixed[i].s))
			all[n++] = fixed[i];
	for (size_t i = 0; x && i < x->count; i++)
		if (!is_known_key(x->pairs[i].key))
			all[n++] =
			    (struct entry){x->pairs[i].key, K_EXTRA, NULL, 0, x->pairs[i].value};
	qsort(all, n, sizeof(*all), cmp_entry);

	if (!yaml_emitter_initialize(&e)) {
		free(all);
		return DM_ENOMEM;
	}
	yaml_emitter_set_output(&e, out_write, &o);
	yaml_emitter_set_unicode(&e, 1);
	yaml_emitter_set_width(&e, 80);
	if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) ||
	    !yaml_emitter_emit(&e, &ev) ||
	    !yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) ||
	    !yaml_emitter_emit(&e, &ev))
		r = DM_EINVAL;
	if (r == 0)
		r = ev_map(&e, true);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = emit_entry(&e, c, &all[i]);
	if (r == 0)
		r = ev_map(&e, false);
	if (r == 0 && (!yaml_document_end_event_initialize(&ev, 1) || !yaml_emitter_emit(&e, &ev) ||
		       !yaml_stream_end_event_initialize(&ev) || !yaml_emitter_emit(&e, &ev) ||
		       !yaml_emitter_flush(&e)))
		r = DM_EINVAL;
	yaml_emitter_delete(&e);
	free(all);
	if (r < 0) {
		free(o.buf);
		return r;
	}
	*ret_text = o.buf;
	*ret_len = o.len;
	return 0;
}

int cli_config_save(const struct cli_config *c, const char *path)
{
	char *text, *dir, *slash;
	size_t len;
	int r = cli_config_emit(c, &text, &len);
	if (r < 0)
		return r;
	dir = cli_xstrdup(path);
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		r = cli_mkdir_p(dir, 0700);
	}
	free(dir);
	if (r == 0)
		r = cli_write_atomic(path, text, len, 0600);
	free(text);
	return r;
}

const char *cli_config_effective_domain(const struct cli_config *c)
{
	if (!cli_empty(c->cluster_base_domain) && !cli_empty(c->cluster_operator_spk))
		return c->cluster_base_domain;
	return c->domain;
}

struct cli_contact *cli_config_contact(const struct cli_config *c, const char *label)
{
	for (size_t i = 0; i < c->contact_count; i++)
		if (!strcmp(c->contacts[i].label, label))
			return &c->contacts[i];
	return NULL;
}

struct cli_contact *cli_config_contact_put(struct cli_config *c, const char *label, const char *pub,
					   const char *spk, const char *domain,
					   const char *remote_username)
{
	struct cli_contact *k = cli_config_contact(c, label);
	if (k == NULL) {
		c->contacts = cli_xrealloc(c->contacts, (c->contact_count + 1) * sizeof(*k));
		k = &c->contacts[c->contact_count++];
		memset(k, 0, sizeof(*k));
		k->label = cli_xstrdup(label);
	}
	cli_config_set(&k->pub, pub);
	cli_config_set(&k->spk, spk);
	cli_config_set(&k->domain, domain);
	cli_config_set(&k->remote_username, remote_username);
	return k;
}

bool cli_config_contact_remove(struct cli_config *c, const char *label)
{
	struct cli_contact *k = cli_config_contact(c, label);
	if (k == NULL)
		return false;
	contact_free(k);
	size_t i = (size_t)(k - c->contacts);
	memmove(k, k + 1, (c->contact_count - i - 1) * sizeof(*k));
	c->contact_count--;
	return true;
}
