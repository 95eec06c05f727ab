/*
 * The dns-frontend's store connection: it only subscribes to the change feed
 * and keeps the mirror table that queries are answered from
 * (common/node/mirror.h).
 */
#include <time.h>

#include "common/node/log.h"
#include "services/dns-frontend/dnsfe.h"

uint64_t dnsfe_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void on_batch(struct dm_ipc_conn *conn, const Dm__Envelope *msg)
{
	struct dnsfe *fe = conn->ep->ctx;
	dm_mirror_apply(&fe->feed.mirror, msg->record_batch);
}

static void on_up(struct dm_ipc_conn *conn, void *ctx)
{
	struct dnsfe *fe = ctx;
	dm_mirror_subscribe(&fe->feed.mirror, conn);
}

static void on_down(struct dm_ipc_conn *conn, void *ctx)
{
	struct dnsfe *fe = ctx;
	(void)conn;
	dm_mirror_lost(&fe->feed.mirror);
	if (!fe->feed.client.stopping)
		log_warnx("lost the store, %s", "serving cached records until it is back");
}

/* The store may send us nothing but its change feed. */
static const struct dm_ipc_rule feed_rules[] = {
    {DM__ROLE__ROLE_STORE, DM__ENVELOPE__BODY_RECORD_BATCH, on_batch},
    {0, 0, NULL},
};

int dnsfe_feed_start(struct dnsfe *fe, const char *store_path)
{
	struct dnsfe_feed *f = &fe->feed;
	f->client.ep.loop = fe->loop;
	f->client.ep.self_role = DM__ROLE__ROLE_DNS_FRONTEND;
	f->client.ep.rules = feed_rules;
	f->client.ep.on_up = on_up;
	f->client.ep.on_down = on_down;
	f->client.ep.ctx = fe;
	return dm_ipc_client_start(&f->client, store_path);
}

void dnsfe_feed_stop(struct dnsfe *fe)
{
	dm_ipc_client_stop(&fe->feed.client);
}
