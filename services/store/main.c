/*
 * dnsmesh-store: the only process that opens the sqlite record store.
 * Serves the other services over IPC (<run_dir>/store.sock, or the socket
 * systemd/dnsmeshd hands over as "store").
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "common/node/config.h"
#include "common/node/log.h"
#include "common/node/systemd.h"
#include "services/store/store.h"

static struct store store;
static uv_signal_t sig_term, sig_int;
static uv_timer_t watchdog;

static void on_signal(uv_signal_t *h, int signum)
{
	(void)signum;
	log_info("shutting down");
	dm_notify_stopping();
	store_stop(&store);
	uv_close((uv_handle_t *)&sig_term, NULL);
	uv_close((uv_handle_t *)&sig_int, NULL);
	uv_close((uv_handle_t *)&watchdog, NULL);
	(void)h;
}

/* mkdir -p `dir`, mode 0700 for what we create. */
static int mkdir_p(const char *dir)
{
	char buf[DM_PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf))
		return -1;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* mkdir -p for the directory part of `path`. */
static int make_parent_dirs(const char *path)
{
	char buf[DM_PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -1;
	char *slash = strrchr(buf, '/');
	if (slash == NULL || slash == buf)
		return 0;
	*slash = '\0';
	return mkdir_p(buf);
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	static struct dm_config cfg;
	char err[256];
	log_procinit("store", NULL);
	if (dm_config_from_env(&cfg, err, sizeof(err)) < 0) {
		log_warnx("configuration: %s", err);
		return DM_EX_CONFIG;
	}
	log_setlevel(cfg.log_level);
	/* Die with the supervisor rather than linger as an orphan. */
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	signal(SIGPIPE, SIG_IGN);
	umask(0077);

	if (make_parent_dirs(cfg.db_path) < 0)
		fatal("cannot create the directory of %s", cfg.db_path);
	struct store_db *db = store_db_open(cfg.db_path, cfg.db_sync_full, err, sizeof(err));
	if (db == NULL)
		fatalx("cannot open the record store: %s", err);

	uv_loop_t *loop = uv_default_loop();
	if (dm_listen_fd("store") < 0 && mkdir_p(cfg.run_dir) < 0)
		fatal("cannot create %s", cfg.run_dir);
	if (store_start(&store, loop, &cfg, db) < 0)
		fatalx("cannot serve IPC");
	uv_signal_init(loop, &sig_term);
	uv_signal_init(loop, &sig_int);
	uv_signal_start(&sig_term, on_signal, SIGTERM);
	uv_signal_start(&sig_int, on_signal, SIGINT);
	dm_watchdog_start(loop, &watchdog);
	log_info("serving %s", cfg.db_path);
	dm_notify_ready("serving");

	uv_run(loop, UV_RUN_DEFAULT);
	store_db_close(db);
	int r = uv_loop_close(loop);
	if (r != 0)
		log_warnx("event loop closed with %s", "handles still open");
	return 0;
}
