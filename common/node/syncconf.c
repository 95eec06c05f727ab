#include "common/node/syncconf.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/codec/base64.h"
#include "common/codec/hex.h"
#include "common/dmp/record.h"
#include "common/err.h"

#define CLUSTER_FILE_MAX (64 * 1024)

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static const char *env(const char *name)
{
	const char *v = secure_getenv(name);
	return (v != NULL && v[0] != '\0') ? v : NULL;
}

static int copy_var(const char *name, const char *v, char *out, size_t cap, char *err,
		    size_t errlen)
{
	if (strlen(v) >= cap) {
		set_err(err, errlen, "%s: longer than %zu bytes", name, cap - 1);
		return -1;
	}
	strcpy(out, v);
	return 0;
}

/* `s[0..len)` trimmed of ASCII whitespace, then one trailing '/' removed. */
static void trim_url(const char **s, size_t *len)
{
	while (*len > 0 && isspace((unsigned char)(*s)[0]))
		(*s)++, (*len)--;
	while (*len > 0 && isspace((unsigned char)(*s)[*len - 1]))
		(*len)--;
	while (*len > 0 && (*s)[*len - 1] == '/')
		(*len)--;
}

bool dm_sync_url_same(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	trim_url(&a, &la);
	trim_url(&b, &lb);
	return la == lb && strncasecmp(a, b, la) == 0;
}

static int get_peers(struct dm_sync_config *sc, char *err, size_t errlen)
{
	const char *v = env("DMP_SYNC_PEERS");
	sc->npeers = 0;
	if (v == NULL)
		return 0;
	while (*v != '\0') {
		const char *comma = strchr(v, ',');
		size_t len = comma ? (size_t)(comma - v) : strlen(v);
		const char *p = v;
		v += len + (comma ? 1 : 0);
		trim_url(&p, &len);
		if (len == 0)
			continue;
		if (len >= DM_SYNC_URL_MAX) {
			set_err(err, errlen, "DMP_SYNC_PEERS: an entry is longer than %d bytes",
				DM_SYNC_URL_MAX - 1);
			return -1;
		}
		char url[DM_SYNC_URL_MAX];
		memcpy(url, p, len);
		url[len] = '\0';
		if (sc->self_endpoint[0] != '\0' && dm_sync_url_same(url, sc->self_endpoint))
			continue;
		bool dup = false;
		for (unsigned i = 0; i < sc->npeers && !dup; i++)
			dup = strcmp(sc->peers[i], url) == 0;
		if (dup)
			continue;
		if (sc->npeers == DM_SYNC_PEERS_MAX) {
			set_err(err, errlen, "DMP_SYNC_PEERS: more than %d peers",
				DM_SYNC_PEERS_MAX);
			return -1;
		}
		memcpy(sc->peers[sc->npeers++], url, len + 1);
	}
	return 0;
}

/* A hostname per node.md §9.8: labels 1..63 of [A-Za-z0-9-], no edge '-'. */
static bool hostname_ok(const char *s, size_t len)
{
	if (len == 0 || len > DM_CLUSTER_NAME_MAX)
		return false;
	size_t label = 0;
	for (size_t i = 0; i <= len; i++) {
		char c = i < len ? s[i] : '.';
		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
		} else if (isalnum((unsigned char)c) || c == '-') {
			if ((label == 0 && c == '-') || ++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return true;
}

int dm_sync_config_from_env(struct dm_sync_config *sc, char *err, size_t errlen)
{
	memset(sc, 0, sizeof(*sc));
	const char *v;
	if ((v = env("DMP_SYNC_PEER_TOKEN")) != NULL &&
	    copy_var("DMP_SYNC_PEER_TOKEN", v, sc->token, sizeof(sc->token), err, errlen) < 0)
		return -1;
	if ((v = env("DMP_SYNC_SELF_ENDPOINT")) != NULL &&
	    copy_var("DMP_SYNC_SELF_ENDPOINT", v, sc->self_endpoint, sizeof(sc->self_endpoint), err,
		     errlen) < 0)
		return -1;
	if (get_peers(sc, err, errlen) < 0)
		return -1;
	/* DMP_SYNC_INTERVAL wins over its alias. */
	const char *ivar =
	    env("DMP_SYNC_INTERVAL") ? "DMP_SYNC_INTERVAL" : "DMP_SYNC_INTERVAL_SECONDS";
	sc->interval_s = 10.0;
	if ((v = env(ivar)) != NULL) {
		char *end;
		errno = 0;
		double d = strtod(v, &end);
		if (errno != 0 || end == v || *end != '\0' || !isfinite(d) || d <= 0 || d > 86400) {
			set_err(err, errlen, "%s=%s: expected a number of seconds above 0", ivar,
				v);
			return -1;
		}
		sc->interval_s = d;
	}
	const char *cvar =
	    env("DMP_CLUSTER_FILE") ? "DMP_CLUSTER_FILE" : "DMP_CLUSTER_MANIFEST_PATH";
	v = env(cvar);
	if (copy_var(cvar, v ? v : DM_SYNC_DEFAULT_CLUSTER_FILE, sc->cluster_file,
		     sizeof(sc->cluster_file), err, errlen) < 0)
		return -1;
	if ((v = env("DMP_NODE_ID")) != NULL &&
	    copy_var("DMP_NODE_ID", v, sc->node_id, sizeof(sc->node_id), err, errlen) < 0)
		return -1;
	if ((v = env("DMP_SYNC_OPERATOR_SPK")) != NULL) {
		size_t n = strlen(v);
		while (n > 0 && isspace((unsigned char)v[n - 1]))
			n--;
		if (n != 2 * DM_ED25519_PK_BYTES ||
		    dm_hex_decode(v, n, sc->spk, sizeof(sc->spk)) != DM_ED25519_PK_BYTES) {
			set_err(err, errlen, "DMP_SYNC_OPERATOR_SPK: expected 64 hex digits");
			return -1;
		}
		sc->has_spk = true;
	}
	if ((v = env("DMP_CLUSTER_BASE_DOMAIN")) != NULL) {
		size_t n = strlen(v);
		if (n > 0 && v[n - 1] == '.')
			n--;
		/* Not a hostname: no gossip, and the manifest endpoint answers 204 (§9.3). */
		if (hostname_ok(v, n)) {
			for (size_t i = 0; i < n; i++)
				sc->base_domain[i] = (char)tolower((unsigned char)v[i]);
			sc->base_domain[n] = '\0';
		}
	}
	if ((v = env("DMP_SYNC_CA_FILE")) != NULL &&
	    copy_var("DMP_SYNC_CA_FILE", v, sc->ca_file, sizeof(sc->ca_file), err, errlen) < 0)
		return -1;
	return 0;
}

void dm_sync_config_clear(struct dm_sync_config *sc)
{
	sodium_memzero(sc->token, sizeof(sc->token));
}

/* ---- the cluster file ---- */

static int from_wire(const char *w, size_t len, struct dm_cluster_file *cf, char *err,
		     size_t errlen)
{
	const char *b64;
	size_t blen, n;
	uint8_t blob[DM_CLUSTER_WIRE_MAX];
	while (len > 0 && isspace((unsigned char)w[len - 1]))
		len--;
	if (len > DM_CLUSTER_WIRE_MAX ||
	    dm_record_strip_prefix(w, len, DM_PREFIX_CLUSTER, &b64, &blen) < 0 ||
	    dm_b64_decode_strict(b64, blen, blob, sizeof(blob), &n) < 0 ||
	    n < DM_ED25519_SIG_BYTES + DM_CLUSTER_MAGIC_LEN ||
	    dm_cluster_body_decode(blob, n - DM_ED25519_SIG_BYTES, &cf->manifest) < 0) {
		set_err(err, errlen, "not a well-formed cluster manifest");
		return DM_EINVAL;
	}
	memcpy(cf->wire, w, len);
	cf->wire[len] = '\0';
	cf->wire_len = len;
	cf->has_wire = true;
	for (unsigned i = 0; i < cf->manifest.node_count; i++) {
		const struct dm_cluster_node *nd = &cf->manifest.nodes[i];
		if (nd->http_len >= DM_SYNC_URL_MAX || memchr(nd->http, '\0', nd->http_len))
			continue;
		memcpy(cf->node_ids[cf->nnodes], nd->id, (size_t)nd->id_len + 1);
		memcpy(cf->node_urls[cf->nnodes], nd->http, (size_t)nd->http_len + 1);
		cf->nnodes++;
	}
	return 0;
}

static int from_json(const char *text, size_t len, struct dm_cluster_file *cf, char *err,
		     size_t errlen)
{
	json_error_t jerr;
	json_t *j = json_loadb(text, len, 0, &jerr);
	int r = DM_EINVAL;
	if (j == NULL || !json_is_object(j)) {
		set_err(err, errlen, "neither a manifest wire nor a JSON object");
		goto out;
	}
	json_t *wire = json_object_get(j, "wire"), *nodes = json_object_get(j, "nodes");
	if (json_is_string(wire)) {
		r = from_wire(json_string_value(wire), json_string_length(wire), cf, err, errlen);
		goto out;
	}
	if (!json_is_array(nodes)) {
		set_err(err, errlen, "no \"wire\" string and no \"nodes\" list");
		goto out;
	}
	size_t i;
	json_t *o;
	json_array_foreach(nodes, i, o)
	{
		json_t *id = json_object_get(o, "node_id"),
		       *url = json_object_get(o, "http_endpoint");
		if (!json_is_string(id) || !json_is_string(url) ||
		    cf->nnodes == DM_CLUSTER_NODES_MAX ||
		    json_string_length(id) > DM_CLUSTER_NODE_ID_MAX ||
		    json_string_length(url) >= DM_SYNC_URL_MAX)
			continue;
		snprintf(cf->node_ids[cf->nnodes], sizeof(cf->node_ids[0]), "%s",
			 json_string_value(id));
		snprintf(cf->node_urls[cf->nnodes], sizeof(cf->node_urls[0]), "%s",
			 json_string_value(url));
		cf->nnodes++;
	}
	r = 0;
out:
	json_decref(j);
	return r;
}

int dm_cluster_file_load(const char *path, struct dm_cluster_file *ret, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		set_err(err, errlen, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? DM_ENOTFOUND : -errno;
	}
	char *text = malloc(CLUSTER_FILE_MAX + 1);
	if (text == NULL) {
		fclose(f);
		return DM_ENOMEM;
	}
	size_t len = fread(text, 1, CLUSTER_FILE_MAX + 1, f);
	fclose(f);
	memset(ret, 0, sizeof(*ret));
	int r;
	const char *p = text;
	while (len > 0 && isspace((unsigned char)*p))
		p++, len--;
	if (len > CLUSTER_FILE_MAX) {
		set_err(err, errlen, "%s: larger than %d bytes", path, CLUSTER_FILE_MAX);
		r = DM_ETOOBIG;
	} else if (len >= strlen(DM_PREFIX_CLUSTER) &&
		   memcmp(p, DM_PREFIX_CLUSTER, strlen(DM_PREFIX_CLUSTER)) == 0) {
		r = from_wire(p, len, ret, err, errlen);
	} else {
		r = from_json(p, len, ret, err, errlen);
	}
	free(text);
	return r;
}

void dm_sync_base_domain(const struct dm_sync_config *sc, const struct dm_cluster_file *cf,
			 uint64_t now_s, char out[DM_CLUSTER_NAME_MAX + 1])
{
	out[0] = '\0';
	if (sc->base_domain[0] != '\0') {
		memcpy(out, sc->base_domain, strlen(sc->base_domain) + 1);
		return;
	}
	if (cf == NULL || !cf->has_wire)
		return;
	if (sc->has_spk) {
		struct dm_cluster c;
		if (dm_cluster_parse(cf->wire, cf->wire_len, sc->spk, now_s, NULL, 0, &c) < 0)
			return;
	}
	for (size_t i = 0; i <= cf->manifest.name_len; i++)
		out[i] = (char)tolower((unsigned char)cf->manifest.name[i]);
}
