/*
 * The peer list (node.md §9.4): DMP_SYNC_PEERS, else the nodes of the
 * cluster file; replaced by a newer verified manifest (§9.5 step 7).
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/codec/hex.h"
#include "common/err.h"
#include "common/node/log.h"
#include "services/sync/sync.h"

int sync_url_parse(const char *url, struct sync_url *ret)
{
	struct dm_http_url h;
	struct sync_url u = {0};
	size_t plen;
	int r;

	/* A bare host would get https:// from the shared parser; a peer says which. */
	if (strncasecmp(url, "https://", 8) != 0 && strncasecmp(url, "http://", 7) != 0)
		return DM_EINVAL;
	if (strpbrk(url, "?#") != NULL)
		return DM_EINVAL;
	if ((r = dm_http_url_parse(url, &h)) < 0)
		return r;
	u.tls = strcmp(h.scheme, "https") == 0;
	memcpy(u.host, h.host, sizeof(u.host));
	u.port = h.port;
	plen = strlen(h.path);
	while (plen > 0 && h.path[plen - 1] == '/')
		plen--;
	if (plen >= sizeof(u.path)) {
		dm_http_url_free(&h);
		return DM_EINVAL;
	}
	memcpy(u.path, h.path, plen);
	dm_http_url_free(&h);
	*ret = u;
	return 0;
}

void sync_peer_synthetic_id(const char *url, char out[SYNC_ID_MAX])
{
	struct sync_url u;
	char hp[DM_HTTP_HOST_MAX + SYNC_URL_PATH_MAX + 16];
	uint8_t h[32];
	char hex[65];
	if (sync_url_parse(url, &u) < 0) {
		crypto_hash_sha256(h, (const uint8_t *)url, strlen(url));
		dm_hex_encode(h, sizeof(h), hex);
		snprintf(out, SYNC_ID_MAX, "peer-%.6s", hex);
		return;
	}
	snprintf(hp, sizeof(hp), "%s:%u%s", u.host, u.port, u.path);
	crypto_hash_sha256(h, (const uint8_t *)hp, strlen(hp));
	dm_hex_encode(h, sizeof(h), hex);
	snprintf(out, SYNC_ID_MAX, "%.9s-%.6s", u.host, hex);
}

static bool is_self(const struct syncsvc *s, const char *id, const char *url)
{
	if (id != NULL && s->sc.node_id[0] != '\0' && strcmp(id, s->sc.node_id) == 0)
		return true;
	return s->sc.self_endpoint[0] != '\0' && dm_sync_url_same(url, s->sc.self_endpoint);
}

static void peer_set(struct sync_peer *p, const char *id, const char *url)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->url, sizeof(p->url), "%s", url);
	if (id != NULL) {
		snprintf(p->id, sizeof(p->id), "%s", id);
	} else {
		sync_peer_synthetic_id(url, p->id);
		p->synthetic_id = true;
	}
	p->url_ok = sync_url_parse(url, &p->u) == 0;
	if (!p->url_ok) {
		char esc[128];
		log_warnx("peer %s: cannot use %s (expected http[s]://host[:port])", p->id,
			  log_escape(url, strlen(url), esc, sizeof(esc)));
	} else if (!p->u.tls && !dm_http_host_is_loopback(p->u.host)) {
		log_warnx("peer %s: plain http is only used for loopback peers; use https://",
			  p->id);
	}
}

int sync_peers_init(struct syncsvc *s, char *err, size_t errlen)
{
	s->npeers = 0;
	if (s->sc.npeers > 0) {
		for (unsigned i = 0; i < s->sc.npeers; i++)
			peer_set(&s->peers[s->npeers++], NULL, s->sc.peers[i]);
		return 0;
	}
	struct dm_cluster_file cf;
	char why[256];
	int r = dm_cluster_file_load(s->sc.cluster_file, &cf, why, sizeof(why));
	if (r < 0) {
		snprintf(err, errlen, "no DMP_SYNC_PEERS and no usable cluster file (%s)", why);
		return -1;
	}
	for (unsigned i = 0; i < cf.nnodes; i++) {
		if (is_self(s, cf.node_ids[i], cf.node_urls[i]))
			continue;
		peer_set(&s->peers[s->npeers++], cf.node_ids[i], cf.node_urls[i]);
	}
	return 0;
}

void sync_peers_install(struct syncsvc *s, const struct dm_cluster *c)
{
	static struct sync_peer old[SYNC_PEERS_MAX];
	unsigned nold = s->npeers;
	memcpy(old, s->peers, sizeof(old[0]) * nold);
	s->npeers = 0;
	for (unsigned i = 0; i < c->node_count && s->npeers < SYNC_PEERS_MAX; i++) {
		const struct dm_cluster_node *nd = &c->nodes[i];
		if (memchr(nd->http, '\0', nd->http_len) != NULL ||
		    nd->http_len >= DM_SYNC_URL_MAX || is_self(s, nd->id, nd->http))
			continue;
		struct sync_peer *p = &s->peers[s->npeers++];
		peer_set(p, nd->id, nd->http);
		/* Same (id, endpoint), or the same endpoint we only knew by URL: keep
		 * its watermark; anything else starts from (0, "", ""). */
		for (unsigned k = 0; k < nold; k++) {
			if (strcmp(old[k].url, p->url) != 0 ||
			    (!old[k].synthetic_id && strcmp(old[k].id, p->id) != 0))
				continue;
			p->wm = old[k].wm;
			p->summary = old[k].summary;
			p->rounds = old[k].rounds;
			p->in_sync = old[k].in_sync;
			p->requests = old[k].requests;
			p->bytes = old[k].bytes;
			p->errors = old[k].errors;
			break;
		}
	}
	s->next = 0;
	log_info("cluster %s seq %llu: %u peer(s) now", c->name, (unsigned long long)c->seq,
		 s->npeers);
}
