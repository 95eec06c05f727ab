/*
 * dnsmesh-sync: reads DMP_SYNC_* (exit 78 on a bad value, or without a
 * token or peers), connects to the store as ROLE_SYNC, publishes the
 * mounted cluster manifest once (node.md §9.9), and runs a round every
 * DMP_SYNC_INTERVAL (worker.c). Reports ready once the store is reachable,
 * or after a grace period (rounds start when it is).
 */
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <uv.h>

#include "common/err.h"
#include "common/node/log.h"
#include "common/node/systemd.h"
#include "services/sync/sync.h"

#define READY_GRACE_MS 3000

static struct syncsvc svc;
static uv_signal_t sig_term, sig_int;
static uv_timer_t watchdog, grace;
static bool ready;

static uint64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void report_ready(const char *status)
{
	if (ready)
		return;
	ready = true;
	uv_timer_stop(&grace);
	dm_notify_ready(status);
}

static void grace_cb(uv_timer_t *t)
{
	(void)t;
	log_warnx("store not reachable yet, %s", "rounds start once it is");
	report_ready("store unreachable");
}

static void on_store_up(struct dm_ipc_conn *conn, void *ctx)
{
	(void)conn;
	sync_worker_store_up(ctx);
	report_ready("syncing");
}

static void on_store_down(struct dm_ipc_conn *conn, void *ctx)
{
	struct syncsvc *s = ctx;
	(void)conn;
	s->store_up = false;
	if (!s->store.stopping)
		log_warnx("lost the store, %s", "pausing rounds until it is back");
}

static const struct dm_ipc_rule no_rules[] = {{0, 0, NULL}};

static void on_signal(uv_signal_t *h, int signum)
{
	(void)h;
	(void)signum;
	log_info("shutting down");
	dm_notify_stopping();
	sync_worker_stop(&svc);
	dm_ipc_client_stop(&svc.store);
	uv_close((uv_handle_t *)&sig_term, NULL);
	uv_close((uv_handle_t *)&sig_int, NULL);
	uv_close((uv_handle_t *)&watchdog, NULL);
	uv_close((uv_handle_t *)&grace, NULL);
}

int main(int argc, char **argv)
{
	static struct dm_config cfg;
	char err[512];
	(void)argc;
	(void)argv;

	log_procinit("sync", NULL);
	if (dm_config_from_env(&cfg, err, sizeof(err)) < 0 ||
	    dm_sync_config_from_env(&svc.sc, err, sizeof(err)) < 0) {
		log_warnx("configuration: %s", err);
		return DM_EX_CONFIG;
	}
	log_setlevel(cfg.log_level);
	if (svc.sc.token[0] == '\0') {
		log_warnx("configuration: DMP_SYNC_PEER_TOKEN is not set: %s",
			  "anti-entropy needs the peers' shared token");
		return DM_EX_CONFIG;
	}
	if (sodium_init() < 0)
		fatalx("libsodium failed to initialise");
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	signal(SIGPIPE, SIG_IGN);

	svc.loop = uv_default_loop();
	svc.cfg = &cfg;
	svc.now_ms = wall_ms;
	if (sync_peers_init(&svc, err, sizeof(err)) < 0) {
		log_warnx("configuration: %s", err);
		return DM_EX_CONFIG;
	}
	bool tls = false;
	for (unsigned i = 0; i < svc.npeers; i++)
		tls |= svc.peers[i].url_ok && svc.peers[i].u.tls;
	if (tls && dm_http_tls_init(svc.sc.ca_file) == 0)
		log_warnx("no CA certificates in %s: https peers will fail",
			  svc.sc.ca_file[0] ? svc.sc.ca_file : DM_HTTP_CA_BUNDLE);
	struct dm_cluster_file cf;
	bool have_file = dm_cluster_file_load(svc.sc.cluster_file, &cf, err, sizeof(err)) == 0;
	dm_sync_base_domain(&svc.sc, have_file ? &cf : NULL, wall_ms() / 1000, svc.base);
	if (svc.sc.has_spk && svc.base[0] == '\0')
		log_info("no cluster name known (DMP_CLUSTER_BASE_DOMAIN): %s",
			 "cluster-manifest gossip is off");

	char store_path[DM_PATH_MAX];
	if (dm_config_socket_path(&cfg, "store.sock", store_path, sizeof(store_path)) < 0)
		return DM_EX_CONFIG;
	svc.store.ep.loop = svc.loop;
	svc.store.ep.self_role = DM__ROLE__ROLE_SYNC;
	svc.store.ep.rules = no_rules;
	svc.store.ep.on_up = on_store_up;
	svc.store.ep.on_down = on_store_down;
	svc.store.ep.ctx = &svc;
	if (dm_ipc_client_start(&svc.store, store_path) < 0)
		fatalx("cannot reach the store at %s", store_path);

	uv_timer_init(svc.loop, &grace);
	uv_timer_start(&grace, grace_cb, READY_GRACE_MS, 0);
	uv_signal_init(svc.loop, &sig_term);
	uv_signal_init(svc.loop, &sig_int);
	uv_signal_start(&sig_term, on_signal, SIGTERM);
	uv_signal_start(&sig_int, on_signal, SIGINT);
	dm_watchdog_start(svc.loop, &watchdog);
	sync_worker_start(&svc);
	log_info("syncing with %u peer(s) every %g s", svc.npeers, svc.sc.interval_s);

	uv_run(svc.loop, UV_RUN_DEFAULT);
	dm_sync_config_clear(&svc.sc);
	if (uv_loop_close(svc.loop) != 0) {
		log_warnx("event loop closed with %s", "handles still open");
		return 1;
	}
	return 0;
}
