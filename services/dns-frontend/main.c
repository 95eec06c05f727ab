/*
 * dnsmesh-dns: the dns-frontend process. Takes its sockets from the
 * supervisor or systemd ("dns-udp", "dns-tcp"), or binds DMP_DNS_HOST:
 * DMP_DNS_PORT itself, follows the store's change feed and answers from
 * memory. Reports ready once it can answer from a loaded data set, or after
 * a grace period with the store unreachable (then SERVFAIL until it is back).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
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
#include "services/dns-frontend/dnsfe.h"

static struct dnsfe fe;
static uv_signal_t sig_term, sig_int;
static uv_timer_t watchdog, grace;

static void report_ready(const char *status)
{
	if (fe.ready)
		return;
	fe.ready = true;
	uv_timer_stop(&grace);
	dm_notify_ready(status);
}

static void on_loaded(struct dm_mirror *m, void *arg)
{
	(void)m;
	(void)arg;
	report_ready("serving");
}

static void grace_cb(uv_timer_t *t)
{
	(void)t;
	log_warnx("store not reachable yet, %s", "answering SERVFAIL until it is");
	report_ready("store unreachable");
}

static void on_signal(uv_signal_t *h, int signum)
{
	(void)h;
	(void)signum;
	log_info("shutting down");
	dm_notify_stopping();
	dnsfe_udp_close(&fe);
	dnsfe_tcp_close(&fe);
	dnsfe_feed_stop(&fe);
	dm_mirror_done(&fe.feed.mirror);
	uv_close((uv_handle_t *)&sig_term, NULL);
	uv_close((uv_handle_t *)&sig_int, NULL);
	uv_close((uv_handle_t *)&watchdog, NULL);
	uv_close((uv_handle_t *)&grace, NULL);
}

/* DMP_DNS_HOST (an IPv4 or IPv6 literal, brackets allowed) and port as a sockaddr. */
static int host_addr(const char *host, uint16_t port, struct sockaddr_storage *ss,
		     socklen_t *ret_len)
{
	char h[64];
	size_t n = strlen(host);
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		snprintf(h, sizeof(h), "%.*s", (int)(n - 2), host + 1);
		host = h;
	}
	memset(ss, 0, sizeof(*ss));
	if (uv_ip4_addr(host, port, (struct sockaddr_in *)ss) == 0) {
		*ret_len = sizeof(struct sockaddr_in);
		return 0;
	}
	if (uv_ip6_addr(host, port, (struct sockaddr_in6 *)ss) == 0) {
		*ret_len = sizeof(struct sockaddr_in6);
		return 0;
	}
	return DM_EINVAL;
}

/* Binds (and for TCP listens on) a new non-blocking socket; the caller owns the fd. */
static int bind_socket(const struct sockaddr_storage *ss, socklen_t len, int type)
{
	int fd = socket(ss->ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	if (type == SOCK_STREAM)
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)ss, len) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 128) < 0)) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* The inherited socket `name`, checked to be of `type` and made non-blocking; or -1. */
static int inherited(const char *name, int type)
{
	int fd = dm_listen_fd(name);
	if (fd < 0)
		return -1;
	int t = 0;
	socklen_t tl = sizeof(t);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &t, &tl) < 0 || t != type)
		fatalx("inherited socket %s is not a %s socket", name,
		       type == SOCK_DGRAM ? "datagram" : "stream");
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		fatal("fcntl %s", name);
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

static void open_sockets(const struct dm_config *cfg)
{
	int ufd = inherited("dns-udp", SOCK_DGRAM);
	int tfd = inherited("dns-tcp", SOCK_STREAM);
	if (ufd < 0 || tfd < 0) {
		struct sockaddr_storage ss;
		socklen_t len;
		if (host_addr(cfg->dns_host, cfg->dns_port, &ss, &len) < 0) {
			log_warnx(
			    "configuration: DMP_DNS_HOST=%s: expected an IPv4 or IPv6 address",
			    cfg->dns_host);
			exit(DM_EX_CONFIG);
		}
		if (ufd < 0 && (ufd = bind_socket(&ss, len, SOCK_DGRAM)) < 0)
			fatal("cannot bind udp %s port %u", cfg->dns_host, cfg->dns_port);
		if (tfd < 0 && (tfd = bind_socket(&ss, len, SOCK_STREAM)) < 0)
			fatal("cannot bind tcp %s port %u", cfg->dns_host, cfg->dns_port);
	}
	int r = dnsfe_udp_open(&fe, ufd);
	if (r < 0)
		fatalx("cannot serve udp: %s", r < -1000 ? dm_strerror(r) : uv_strerror(r));
	r = dnsfe_tcp_open(&fe, tfd);
	if (r < 0)
		fatalx("cannot serve tcp: %s", r < -1000 ? dm_strerror(r) : uv_strerror(r));
}

int main(int argc, char **argv)
{
	static struct dm_config cfg;
	char err[256];
	(void)argc;
	(void)argv;

	log_procinit("dns", NULL);
	if (dm_config_from_env(&cfg, err, sizeof(err)) < 0 ||
	    dm_dnsconf_build(&cfg, &fe.dns, err, sizeof(err)) < 0) {
		log_warnx("configuration: %s", err);
		return DM_EX_CONFIG;
	}
	log_setlevel(cfg.log_level);
	/* Die with the supervisor rather than linger as an orphan. */
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	signal(SIGPIPE, SIG_IGN);

	char store_path[DM_PATH_MAX];
	if (dm_config_socket_path(&cfg, "store.sock", store_path, sizeof(store_path)) < 0)
		return DM_EX_CONFIG;

	fe.loop = uv_default_loop();
	fe.cfg = &cfg;
	dm_mirror_init(&fe.feed.mirror, fe.loop, cfg.cleanup_interval, "DNS");
	fe.feed.mirror.on_loaded = on_loaded;
	open_sockets(&cfg);
	uv_timer_init(fe.loop, &grace);
	uv_timer_start(&grace, grace_cb, DNSFE_READY_GRACE_MS, 0);
	if (dnsfe_feed_start(&fe, store_path) < 0)
		fatalx("cannot reach the store at %s", store_path);
	uv_signal_init(fe.loop, &sig_term);
	uv_signal_init(fe.loop, &sig_int);
	uv_signal_start(&sig_term, on_signal, SIGTERM);
	uv_signal_start(&sig_int, on_signal, SIGINT);
	dm_watchdog_start(fe.loop, &watchdog);
	log_info("answering on %s port %u (udp, tcp), %u zone(s)", cfg.dns_host, cfg.dns_port,
		 cfg.zone_count);

	uv_run(fe.loop, UV_RUN_DEFAULT);
	if (uv_loop_close(fe.loop) != 0) {
		log_warnx("event loop closed with %s", "handles still open");
		return 1;
	}
	return 0;
}
