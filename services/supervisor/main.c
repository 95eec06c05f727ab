/*
 * dnsmeshd: reads and validates the configuration once, binds the sockets,
 * then starts and watches the node's services (children.c). Signals:
 * SIGTERM/SIGINT stop everything and exit 0; SIGHUP re-reads and validates
 * the configuration, which applies at the next start of dnsmeshd.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "common/err.h"
#include "common/node/log.h"
#include "common/node/systemd.h"
#include "services/supervisor/supervisor.h"

extern char **environ;

static struct supervisor S;
/* The DMP_* variables dnsmeshd was started with, before any -c file. */
static char **startup_dmp_env;

uint64_t sup_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: dnsmeshd [-c FILE] [-n] [-v] [--version]\n"
		     "  -c FILE    read KEY=VALUE settings from FILE (the environment wins)\n"
		     "  -n         print the normalised configuration and exit\n"
		     "  -v         log debug messages (this process and its services)\n"
		     "Settings are the DMP_* environment variables (docs/OPERATING.md).\n");
}

/* One clear line naming the problem, then EX_CONFIG, as systemd expects. */
static void __attribute__((noreturn)) config_fail(const char *what)
{
	log_warnx("configuration: %s", what);
	exit(DM_EX_CONFIG);
}

static int parse_watchdog(unsigned *ret_sec, char *err, size_t errlen)
{
	const char *v = secure_getenv("DMP_WATCHDOG_SEC");
	if (v == NULL || v[0] == '\0') {
		*ret_sec = SUP_WATCHDOG_DEFAULT;
		return 0;
	}
	char *end;
	errno = 0;
	unsigned long n = strtoul(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || v[0] == '-' || n > SUP_WATCHDOG_MAX) {
		snprintf(err, errlen, "DMP_WATCHDOG_SEC=%s: expected an integer from 0 to %d", v,
			 SUP_WATCHDOG_MAX);
		return -1;
	}
	*ret_sec = (unsigned)n;
	return 0;
}

/* Environment, then the -c file under it, then validation. */
static int load_config(const char *file, struct dm_config *cfg, unsigned *watchdog_sec, char *err,
		       size_t errlen)
{
	if (file != NULL && dm_config_load_env_file(file, err, errlen) < 0)
		return -1;
	if (dm_config_from_env(cfg, err, errlen) < 0)
		return -1;
	return parse_watchdog(watchdog_sec, err, errlen);
}

static char **snapshot_dmp_env(void)
{
	size_t n = 0;
	for (char **e = environ; *e != NULL; e++)
		n++;
	char **out = calloc(n + 1, sizeof(char *));
	if (out == NULL)
		fatalx("out of memory");
	size_t k = 0;
	for (char **e = environ; *e != NULL; e++)
		if (strncmp(*e, "DMP_", 4) == 0 && (out[k] = strdup(*e)) != NULL)
			k++;
	return out;
}

/* Puts the DMP_* environment back as dnsmeshd found it, so a re-read of
 * the -c file is not shadowed by what the previous read set. */
static void restore_dmp_env(void)
{
	char names[256][128];
	size_t n = 0;
	for (char **e = environ; *e != NULL && n < 256; e++) {
		const char *eq = strchr(*e, '=');
		if (strncmp(*e, "DMP_", 4) == 0 && eq != NULL && (size_t)(eq - *e) < 128) {
			memcpy(names[n], *e, (size_t)(eq - *e));
			names[n++][eq - *e] = '\0';
		}
	}
	for (size_t i = 0; i < n; i++)
		unsetenv(names[i]);
	for (char **e = startup_dmp_env; *e != NULL; e++) {
		char *eq = strchr(*e, '=');
		*eq = '\0';
		setenv(*e, eq + 1, 1);
		*eq = '=';
	}
}

static bool is_protocol_var(const char *e)
{
	static const char *const strip[] = {"NOTIFY_SOCKET=",  "LISTEN_PID=",	 "LISTEN_FDS=",
					    "LISTEN_FDNAMES=", "WATCHDOG_USEC=", "WATCHDOG_PID="};
	for (size_t i = 0; i < sizeof(strip) / sizeof(strip[0]); i++)
		if (strncmp(e, strip[i], strlen(strip[i])) == 0)
			return true;
	return false;
}

static char *env_pair(const char *key, const char *value)
{
	size_t n = strlen(key) + strlen(value) + 2;
	char *s = malloc(n);
	if (s == NULL)
		fatalx("out of memory");
	snprintf(s, n, "%s=%s", key, value);
	return s;
}

/* The children's environment: ours without systemd's per-process variables
 * (dnsmeshd sets its own), with absolute paths so a service's working
 * directory does not matter, and DEBUG logging under -v. */
static void build_child_env(struct supervisor *sup)
{
	size_t n = 0;
	for (char **e = environ; *e != NULL; e++)
		n++;
	sup->child_env = calloc(n + 4, sizeof(char *));
	if (sup->child_env == NULL)
		fatalx("out of memory");
	size_t k = 0;
	for (char **e = environ; *e != NULL; e++) {
		if (is_protocol_var(*e) || strncmp(*e, "DMP_DB_PATH=", 12) == 0 ||
		    strncmp(*e, "DMP_RUN_DIR=", 12) == 0 ||
		    (sup->verbose && strncmp(*e, "DMP_LOG_LEVEL=", 14) == 0))
			continue;
		sup->child_env[k++] = *e;
	}
	char abs[DM_PATH_MAX];
	if (sup_abspath(sup->cfg.db_path, abs, sizeof(abs)) < 0)
		config_fail("DMP_DB_PATH: path too long");
	sup->child_env[k++] = env_pair("DMP_DB_PATH", abs);
	if (sup_abspath(sup->cfg.run_dir, abs, sizeof(abs)) < 0)
		config_fail("DMP_RUN_DIR: path too long");
	sup->child_env[k++] = env_pair("DMP_RUN_DIR", abs);
	if (sup->verbose)
		sup->child_env[k++] = env_pair("DMP_LOG_LEVEL", "DEBUG");
	sup->child_env[k] = NULL;
}

static void find_bindir(struct supervisor *sup)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		fatal("cannot find my own executable");
	exe[n] = '\0';
	snprintf(sup->bindir, sizeof(sup->bindir), "%s", dirname(exe));
}

/* Under root: every service's user and the shared group must exist. */
static void lookup_users(struct supervisor *sup)
{
	char missing[256] = "", users[512] = "";
	for (size_t i = 0; i < sup->nchildren; i++) {
		struct child *c = &sup->children[i];
		size_t ul = strlen(users);
		snprintf(users + ul, sizeof(users) - ul, "%s%s", ul ? " " : "", c->svc->user);
		int r = dm_privdrop_lookup(c->svc->user, DM_SERVICE_GROUP, &c->ids);
		if (r < 0 && missing[0] == '\0')
			snprintf(missing, sizeof(missing), "%s",
				 r == DM_ENOTFOUND ? c->svc->user : dm_strerror(r));
	}
	if (missing[0] != '\0') {
		log_warnx("service user %s or group %s is missing (as root, dnsmeshd runs each "
			  "service as its own user); create them with: groupadd --system %s; "
			  "for u in %s; do useradd --system --gid %s --no-create-home --home-dir "
			  "/nonexistent --shell /usr/sbin/nologin $u; done",
			  missing, DM_SERVICE_GROUP, DM_SERVICE_GROUP, users, DM_SERVICE_GROUP);
		exit(DM_EX_CONFIG);
	}
	sup->group_gid = sup->children[0].ids.gid;
}

void sup_readiness_changed(struct supervisor *sup)
{
	char status[512];
	size_t off = 0;
	bool all = true;
	for (size_t i = 0; i < sup->nchildren; i++) {
		const struct child *c = &sup->children[i];
		all = all && c->ready;
		int w = snprintf(status + off, sizeof(status) - off, "%s%s %s", i ? ", " : "",
				 c->svc->name,
				 c->ready ? "ready" : (c->pid > 0 ? "starting" : "restarting"));
		if (w > 0 && (size_t)w < sizeof(status) - off)
			off += (size_t)w;
	}
	if (all && !sup->ready_sent) {
		sup->ready_sent = true;
		log_info("node ready: %s", status);
		(void)sd_notifyf(0, "READY=1\nSTATUS=%s", status);
		return;
	}
	(void)sd_notifyf(0, "STATUS=%s", status);
}

static void close_all(struct supervisor *sup)
{
	uv_close((uv_handle_t *)&sup->sig_term, NULL);
	uv_close((uv_handle_t *)&sup->sig_int, NULL);
	uv_close((uv_handle_t *)&sup->sig_hup, NULL);
	uv_close((uv_handle_t *)&sup->sig_chld, NULL);
	uv_close((uv_handle_t *)&sup->self_watchdog, NULL);
	sup_children_close(sup);
	sup_notify_close(sup);
	sup_sockets_close(sup);
}

void sup_stopped(struct supervisor *sup)
{
	if (sup->closed)
		return;
	sup->closed = true;
	log_info("all services stopped");
	close_all(sup);
}

static void reload(struct supervisor *sup)
{
	char err[512];
	struct dm_config *cfg = calloc(1, sizeof(*cfg));
	unsigned wd = 0;
	if (cfg == NULL)
		return;
	restore_dmp_env();
	if (load_config(sup->config_file, cfg, &wd, err, sizeof(err)) < 0) {
		log_warnx("SIGHUP: configuration: %s; keeping the running one", err);
		free(cfg);
		return;
	}
	char *before = NULL, *after = NULL;
	size_t blen = 0, alen = 0;
	FILE *b = open_memstream(&before, &blen), *a = open_memstream(&after, &alen);
	if (b != NULL && a != NULL) {
		sup_printconf(sup, &sup->cfg, sup->watchdog_sec, b);
		sup_printconf(sup, cfg, wd, a);
	}
	if (b != NULL)
		fclose(b);
	if (a != NULL)
		fclose(a);
	char changed[256] = "";
	char *save = NULL;
	for (char *l = after ? strtok_r(after, "\n", &save) : NULL; l != NULL;
	     l = strtok_r(NULL, "\n", &save)) {
		if (l[0] == '#')
			continue;
		char probe[DM_PATH_MAX + 64];
		snprintf(probe, sizeof(probe), "\n%s\n", l);
		if (before != NULL && strstr(before, probe) == NULL) {
			size_t cl = strlen(changed), kl = strcspn(l, "=");
			snprintf(changed + cl, sizeof(changed) - cl, "%s%.*s", cl ? ", " : "",
				 (int)kl, l);
		}
	}
	if (changed[0] == '\0')
		log_info("SIGHUP: configuration valid and unchanged");
	else
		log_info("SIGHUP: configuration valid; changed: %s; restart dnsmeshd to apply "
			 "(services keep the settings they started with)",
			 changed);
	free(before);
	free(after);
	free(cfg);
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct supervisor *sup = h->data;
	switch (signum) {
	case SIGCHLD:
		sup_children_reap(sup);
		break;
	case SIGHUP:
		reload(sup);
		break;
	default:
		if (sup->stopping) {
			log_warnx("%s again: killing the services now", sigabbrev_np(signum));
			for (size_t i = 0; i < sup->nchildren; i++)
				if (sup->children[i].pid > 0)
					(void)kill(sup->children[i].pid, SIGKILL);
			break;
		}
		log_info("SIG%s: stopping the services", sigabbrev_np(signum));
		dm_notify_stopping();
		sup_children_stop(sup);
	}
}

static void start_signal(struct supervisor *sup, uv_signal_t *h, int signum)
{
	uv_signal_init(sup->loop, h);
	h->data = sup;
	uv_signal_start(h, on_signal, signum);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct supervisor *sup = &S;
	bool print_only = false;
	int ch;
	log_procinit("dnsmeshd", NULL);
	sup->notify_fd = -1;
	sup->devnull = -1;
	while ((ch = getopt_long(argc, argv, "c:nvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			sup->config_file = optarg;
			break;
		case 'n':
			print_only = true;
			break;
		case 'v':
			sup->verbose = true;
			break;
		case 'V':
			printf("dnsmeshd %s\n", DM_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 64;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 64;
	}

	startup_dmp_env = snapshot_dmp_env();
	char err[512];
	if (load_config(sup->config_file, &sup->cfg, &sup->watchdog_sec, err, sizeof(err)) < 0)
		config_fail(err);
	log_setlevel(sup->verbose ? DM_LOG_DEBUG : (enum dm_log_level)sup->cfg.log_level);
	find_bindir(sup);
	if (print_only) {
		sup_printconf(sup, &sup->cfg, sup->watchdog_sec, stdout);
		return 0;
	}
	if (sup_services_select(sup) < 0)
		return SUP_EX_UNAVAILABLE;
	sup->root = geteuid() == 0;
	if (sup->root)
		lookup_users(sup);
	sup_dirs_prepare(sup);
	if (sup_abspath(sup->cfg.run_dir, sup->run_abs, sizeof(sup->run_abs)) < 0 ||
	    snprintf(sup->store_sock_path, sizeof(sup->store_sock_path), "%s/store.sock",
		     sup->run_abs) >= (int)sizeof(((struct sockaddr_un *)0)->sun_path))
		config_fail("DMP_RUN_DIR: too long for a Unix socket path");
	build_child_env(sup);
	sup->devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	signal(SIGPIPE, SIG_IGN);

	sup->loop = uv_default_loop();
	/* Signals first: a service that dies at once must still be reaped. */
	start_signal(sup, &sup->sig_term, SIGTERM);
	start_signal(sup, &sup->sig_int, SIGINT);
	start_signal(sup, &sup->sig_hup, SIGHUP);
	start_signal(sup, &sup->sig_chld, SIGCHLD);
	sup_sockets_bind(sup);
	if (sup_notify_open(sup) < 0)
		fatal("cannot open the notify socket %s", sup->notify_path);
	dm_watchdog_start(sup->loop, &sup->self_watchdog);
	log_info("starting %zu services as %s (DNS %s:%u, store %s)", sup->nchildren,
		 sup->root ? "their own users" : "the current user", sup->cfg.dns_host,
		 (unsigned)sup->cfg.dns_port, sup->store_sock_path);
	sup_children_start(sup);

	uv_run(sup->loop, UV_RUN_DEFAULT);
	if (uv_loop_close(sup->loop) != 0)
		log_warnx("event loop closed with handles still open");
	if (sup->devnull >= 0)
		(void)close(sup->devnull);
	return sup->exit_code;
}
