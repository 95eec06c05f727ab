/*
 * dnsmesh-https: the https-frontend process. Takes its listening socket
 * from the supervisor or systemd ("https") or binds DMP_HTTP_HOST:
 * DMP_HTTP_PORT itself; speaks TLS when DMP_TLS_CERT/DMP_TLS_KEY are set
 * and refuses to serve plain HTTP on anything but a loopback address.
 * Reports ready once the store is reachable, or after a grace period
 * (then writes answer 503 until it is).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "common/err.h"
#include "common/node/config.h"
#include "common/node/dnsconf.h"
#include "common/node/log.h"
#include "common/node/systemd.h"
#include "services/https-frontend/httpsfe.h"
#include "services/https-frontend/tls.h"

static struct httpsfe fe;
static uv_signal_t sig_term, sig_int;
static uv_timer_t watchdog, grace;
static bool ready;

static void report_ready(const char *status)
{
	if (ready)
		return;
	ready = true;
	uv_timer_stop(&grace);
	dm_notify_ready(status);
}

static void on_store_up(struct httpsfe *f)
{
	(void)f;
	report_ready("serving");
}

static void grace_cb(uv_timer_t *t)
{
	(void)t;
	log_warnx("store not reachable yet, %s", "answering 503 until it is");
	report_ready("store unreachable");
}

static void on_signal(uv_signal_t *h, int signum)
{
	(void)h;
	(void)signum;
	log_info("shutting down");
	dm_notify_stopping();
	httpsfe_server_close(&fe);
	httpsfe_store_stop(&fe);
	uv_close((uv_handle_t *)&sig_term, NULL);
	uv_close((uv_handle_t *)&sig_int, NULL);
	uv_close((uv_handle_t *)&watchdog, NULL);
	uv_close((uv_handle_t *)&grace, NULL);
}

static int bind_listener(const struct dm_config *cfg)
{
	char host[64];
	size_t n = strlen(cfg->http_host);
	snprintf(host, sizeof(host), "%s", cfg->http_host);
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		memmove(host, host + 1, n - 2);
		host[n - 2] = '\0';
	}
	struct sockaddr_storage ss;
	socklen_t len;
	memset(&ss, 0, sizeof(ss));
	if (uv_ip4_addr(host, cfg->http_port, (struct sockaddr_in *)&ss) == 0) {
		len = sizeof(struct sockaddr_in);
	} else if (uv_ip6_addr(host, cfg->http_port, (struct sockaddr_in6 *)&ss) == 0) {
		len = sizeof(struct sockaddr_in6);
	} else {
		log_warnx("configuration: DMP_HTTP_HOST=%s: expected an IPv4 or IPv6 address",
			  cfg->http_host);
		exit(DM_EX_CONFIG);
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fatal("socket");
	int one = 1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 1024) < 0)
		fatal("cannot listen on %s port %u", cfg->http_host, cfg->http_port);
	return fd;
}

/* True if the socket is bound to 127.0.0.0/8 or ::1 (or ::ffff:127.x). */
static bool is_loopback(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return false;
	if (ss.ss_family == AF_INET)
		return (ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr) >> 24) == 127;
	if (ss.ss_family == AF_INET6) {
		const struct in6_addr *a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
		return IN6_IS_ADDR_LOOPBACK(a) ||
		       (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return false;
}

int main(int argc, char **argv)
{
	static struct dm_config cfg;
	char err[512];
	(void)argc;
	(void)argv;

	log_procinit("https", NULL);
	if (dm_config_from_env(&cfg, err, sizeof(err)) < 0 ||
	    dm_dnsconf_build(&cfg, &fe.dns, err, sizeof(err)) < 0) {
		log_warnx("configuration: %s", err);
		return DM_EX_CONFIG;
	}
	log_setlevel(cfg.log_level);
	if (sodium_init() < 0)
		fatalx("libsodium failed to initialise");
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	signal(SIGPIPE, SIG_IGN);

	int fd = dm_listen_fd("https");
	if (fd < 0)
		fd = bind_listener(&cfg);
	if (cfg.tls_cert[0] != '\0') {
		if (tls_creds_load(cfg.tls_cert, cfg.tls_key, &fe.creds, err, sizeof(err)) < 0) {
			log_warnx("configuration: TLS: %s", err);
			return DM_EX_CONFIG;
		}
	} else if (!is_loopback(fd)) {
		log_warnx("configuration: refusing plain HTTP on %s: set DMP_TLS_CERT and "
			  "DMP_TLS_KEY, or bind a loopback address behind a TLS proxy",
			  cfg.http_host);
		return DM_EX_CONFIG;
	}

	char store_path[DM_PATH_MAX];
	if (dm_config_socket_path(&cfg, "store.sock", store_path, sizeof(store_path)) < 0)
		return DM_EX_CONFIG;

	fe.loop = uv_default_loop();
	fe.cfg = &cfg;
	fe.on_store_up = on_store_up;
	struct api_backend be;
	httpsfe_backend(&fe, &be);
	if (api_init(&fe.api, &cfg, &be) < 0)
		fatalx("out of memory");
	fe.api.dns = &fe.dns;
	fe.api.table = &fe.mirror.table;
	fe.api.wall_ms = httpsfe_wall_ms;
	fe.api.mono_ms = httpsfe_mono_ms;
	if (cfg.operator_token[0] == '\0')
		log_warnx("no operator token: /metrics and GET /v1/records are %s",
			  "unauthenticated");
	if (fe.api.mode == API_AUTH_OPERATOR_ONLY)
		log_warnx("DMP_AUTH_MODE=%s is unknown: only the operator token may write",
			  cfg.auth_mode);

	int r = httpsfe_server_open(&fe, fd);
	if (r < 0)
		fatalx("cannot serve http: %s", uv_strerror(r));
	uv_timer_init(fe.loop, &grace);
	uv_timer_start(&grace, grace_cb, HTTPSFE_READY_GRACE_MS, 0);
	if (httpsfe_store_start(&fe, store_path) < 0)
		fatalx("cannot reach the store at %s", store_path);
	uv_signal_init(fe.loop, &sig_term);
	uv_signal_init(fe.loop, &sig_int);
	uv_signal_start(&sig_term, on_signal, SIGTERM);
	uv_signal_start(&sig_int, on_signal, SIGINT);
	dm_watchdog_start(fe.loop, &watchdog);
	log_info("answering on %s port %u (%s, auth %s)", cfg.http_host, cfg.http_port,
		 fe.creds ? "https" : "plain http",
		 fe.api.mode == API_AUTH_OPEN	  ? "open"
		 : fe.api.mode == API_AUTH_LEGACY ? "legacy"
		 : fe.api.mode == API_AUTH_MULTI  ? "multi-tenant"
						  : "operator-only");

	uv_run(fe.loop, UV_RUN_DEFAULT);
	api_done(&fe.api);
	tls_creds_free(fe.creds);
	if (uv_loop_close(fe.loop) != 0) {
		log_warnx("event loop closed with %s", "handles still open");
		return 1;
	}
	return 0;
}
