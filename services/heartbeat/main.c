/*
 * dnsmesh-heartbeat: see hb.h. Exits 78 (EX_CONFIG) on configuration it
 * cannot run with — heartbeats disabled, no or invalid self endpoint (the
 * reference only finds out when every tick fails to sign, node.md §17.18),
 * an unreadable, malformed or group/world-accessible operator key file — so
 * dnsmeshd and systemd stop instead of restarting it in a loop.
 */
#include <signal.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "common/codec/hex.h"
#include "common/err.h"
#include "common/node/config.h"
#include "common/node/log.h"
#include "common/node/systemd.h"
#include "services/heartbeat/hb.h"

static struct hb hb;
static uv_signal_t sig_term, sig_int;
static uv_timer_t watchdog;

static uint64_t wall_s(void)
{
	return (uint64_t)time(NULL);
}

static void on_signal(uv_signal_t *h, int signum)
{
	(void)h;
	(void)signum;
	log_info("shutting down");
	dm_notify_stopping();
	hb_stop(&hb);
	uv_close((uv_handle_t *)&sig_term, NULL);
	uv_close((uv_handle_t *)&sig_int, NULL);
	uv_close((uv_handle_t *)&watchdog, NULL);
}

static int config_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int config_fail(const char *fmt, ...)
{
	char line[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_warnx("configuration: %s", line);
	return DM_EX_CONFIG;
}

/* Seeds must be http(s) base URLs; say which one is not. */
static int check_seeds(const char *seeds)
{
	for (const char *s = seeds; *s != '\0';) {
		size_t len = strcspn(s, ",");
		char canon[HB_URL_MAX], bad[HB_URL_MAX];
		bool blank = true;
		for (size_t i = 0; i < len; i++)
			if (s[i] != ' ' && s[i] != '\t')
				blank = false;
		if (!blank && hb_url_canon(s, len, canon) != 0) {
			snprintf(bad, sizeof(bad), "%.*s", (int)(len < 200 ? len : 200), s);
			return config_fail("DMP_HEARTBEAT_SEEDS: %s is not an http(s):// base URL",
					   bad);
		}
		s += len + (s[len] == ',');
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct dm_config cfg;
	char err[512];
	(void)argc;
	(void)argv;
	log_procinit("heartbeat", NULL);
	if (dm_config_from_env(&cfg, err, sizeof(err)) < 0)
		return config_fail("%s", err);
	log_setlevel(cfg.log_level);
	/* The key is in this process's memory: no core dumps, no ptrace by same-uid peers. */
	(void)prctl(PR_SET_DUMPABLE, 0);
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0)
		fatalx("libsodium failed to initialise");

	if (!cfg.heartbeat_enabled)
		return config_fail("%s", "DMP_HEARTBEAT_ENABLED is not set: nothing to do");
	if (cfg.heartbeat_endpoint[0] == '\0')
		return config_fail("%s", "DMP_HEARTBEAT_SELF_ENDPOINT is required");
	if (dm_heartbeat_endpoint_check(cfg.heartbeat_endpoint, strlen(cfg.heartbeat_endpoint)) !=
	    0)
		return config_fail(
		    "DMP_HEARTBEAT_SELF_ENDPOINT=%s: not a public http(s)://host[:port] "
		    "without a path (node.md §10.1)",
		    cfg.heartbeat_endpoint);
	if (check_seeds(cfg.heartbeat_seeds) != 0)
		return DM_EX_CONFIG;
	for (const char *v = cfg.heartbeat_version; *v; v++)
		if ((unsigned char)*v < 0x20 || (unsigned char)*v > 0x7e)
			return config_fail("%s", "DMP_HEARTBEAT_VERSION: printable ASCII only");

	char path[DM_PATH_MAX];
	if (hb_key_path(cfg.heartbeat_key_path, path, sizeof(path)) != 0)
		return config_fail("%s", "DMP_HEARTBEAT_OPERATOR_KEY_PATH is required (or a "
					 "systemd credential named operator.key)");
	hb.sk = sodium_malloc(DM_ED25519_SK_BYTES);
	if (hb.sk == NULL)
		fatalx("out of memory");
	if (hb_key_load(path, hb.sk, hb.pk, err, sizeof(err)) != 0) {
		sodium_free(hb.sk);
		return config_fail("operator key: %s", err);
	}
	char pk_hex[2 * DM_ED25519_PK_BYTES + 1];
	dm_hex_encode(hb.pk, sizeof(hb.pk), pk_hex);

	char store_path[DM_PATH_MAX];
	if (dm_config_socket_path(&cfg, "store.sock", store_path, sizeof(store_path)) < 0)
		return DM_EX_CONFIG;
	hb.loop = uv_default_loop();
	hb.cfg = &cfg;
	hb.now = wall_s;
	if (hb_start(&hb, store_path) < 0)
		fatalx("cannot reach the store at %s", store_path);
	uv_signal_init(hb.loop, &sig_term);
	uv_signal_init(hb.loop, &sig_int);
	uv_signal_start(&sig_term, on_signal, SIGTERM);
	uv_signal_start(&sig_int, on_signal, SIGINT);
	dm_watchdog_start(hb.loop, &watchdog);
	log_info("announcing %s as operator %s every %us", cfg.heartbeat_endpoint, pk_hex,
		 cfg.heartbeat_interval);
	dm_notify_ready("announcing");

	uv_run(hb.loop, UV_RUN_DEFAULT);
	sodium_free(hb.sk); /* wipes */
	if (uv_loop_close(hb.loop) != 0) {
		log_warnx("event loop closed with %s", "handles still open");
		return 1;
	}
	return 0;
}
