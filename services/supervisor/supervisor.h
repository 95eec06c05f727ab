/*
 * dnsmeshd: the node's supervisor. It binds the sockets, starts each service
 * as its own process and speaks the systemd service protocol to it
 * (LISTEN_FDS/LISTEN_FDNAMES, NOTIFY_SOCKET, WATCHDOG_USEC), so a service
 * has one code path whether systemd or dnsmeshd started it. It restarts a
 * service that dies or hangs, with back-off, and stops them all on SIGTERM.
 */
#ifndef DM_SUPERVISOR_H
#define DM_SUPERVISOR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <uv.h>

#include "common/node/config.h"
#include "common/node/privdrop.h"

#define SUP_SOCKETS_MAX	     8
#define SUP_SERVICE_SOCKETS  3
#define SUP_SERVICES_MAX     8
#define SUP_BACKOFF_MIN_MS   100
#define SUP_BACKOFF_MAX_MS   10000
#define SUP_HEALTHY_MS	     60000 /* up this long: the next failure backs off from the start */
#define SUP_STOP_GRACE_MS    5000  /* SIGTERM, then SIGKILL after this */
#define SUP_WATCHDOG_DEFAULT 10	   /* s; DMP_WATCHDOG_SEC, 0 disables */
#define SUP_WATCHDOG_MAX     3600
#define SUP_EX_UNAVAILABLE   69 /* a required service binary is missing */

struct supervisor;

/* One entry of the service table (services.c). */
struct sup_service {
	const char *name;			      /* log tag, "store" */
	const char *binary;			      /* next to dnsmeshd */
	const char *user;			      /* its own user when run as root */
	const char *sockets[SUP_SERVICE_SOCKETS + 1]; /* names it receives, NULL-ended */
	bool required;				      /* a missing binary stops start-up */
	/* Whether this node runs it, given the validated configuration. */
	bool (*wanted)(const struct dm_config *cfg);
};

/* A socket dnsmeshd bound and keeps open across service restarts. */
struct sup_socket {
	const char *name; /* LISTEN_FDNAMES entry */
	int fd;
};

struct child {
	struct supervisor *sup;
	const struct sup_service *svc;
	char path[DM_PATH_MAX];
	struct dm_privdrop_ids ids; /* used when sup->root */
	pid_t pid;		    /* 0 while not running */
	bool ready;
	bool ever_ready; /* an exit 78 before this means a bad setting */
	bool killed_by_watchdog;
	uint64_t started_ms, last_ping_ms;
	unsigned backoff_ms;
	unsigned restarts;
	uv_timer_t restart_timer;
};

struct supervisor {
	uv_loop_t *loop;
	struct dm_config cfg;
	const char *config_file; /* -c, or NULL */
	char bindir[DM_PATH_MAX];
	bool root;
	bool verbose;
	unsigned watchdog_sec;
	gid_t group_gid; /* DM_SERVICE_GROUP, when root */

	struct sup_socket sockets[SUP_SOCKETS_MAX];
	size_t nsockets;
	char run_abs[DM_PATH_MAX]; /* DMP_RUN_DIR, absolute */
	char store_sock_path[DM_PATH_MAX];

	int notify_fd;
	char notify_path[DM_PATH_MAX];
	uv_poll_t notify_poll;

	struct child children[SUP_SERVICES_MAX];
	size_t nchildren;
	char **child_env; /* environ snapshot for children, NULL-ended */
	int devnull;

	bool ready_sent;
	bool stopping;
	bool closed; /* sup_stopped() ran: every handle is closing */
	int exit_code;
	uv_timer_t tick;
	uv_timer_t kill_timer;
	uv_timer_t self_watchdog;
	uv_signal_t sig_term, sig_int, sig_hup, sig_chld;
};

/* services.c */
extern const struct sup_service sup_services[];
/* Fills sup->children with every wanted service; a required service whose
 * binary is missing logs one line and returns -1. */
int sup_services_select(struct supervisor *sup);
/* Writes one "# services: ..." line saying what would run and why not. */
void sup_services_describe(const struct supervisor *sup, const struct dm_config *cfg, FILE *out);

/* sockets.c */
/* Binds every socket a wanted service receives (fatal on failure). */
void sup_sockets_bind(struct supervisor *sup);
/* The bound socket called `name`, or -1. */
int sup_socket_fd(const struct supervisor *sup, const char *name);
void sup_sockets_close(struct supervisor *sup);

/* notify.c */
/* Binds <run_dir>/notify.sock (SO_PASSCRED) and starts reading it. */
int sup_notify_open(struct supervisor *sup);
void sup_notify_close(struct supervisor *sup);

/* children.c */
void sup_children_start(struct supervisor *sup);
/* SIGCHLD: reaps every exited child, schedules restarts. */
void sup_children_reap(struct supervisor *sup);
/* SIGTERM to every child, SIGKILL after SUP_STOP_GRACE_MS. */
void sup_children_stop(struct supervisor *sup);
/* A message on the notify socket from `pid` (one line per assignment). */
void sup_children_notify(struct supervisor *sup, pid_t pid, const char *msg, size_t len);
/* Closes every libuv handle the children own. */
void sup_children_close(struct supervisor *sup);

/* printconf.c */
/* Prints the normalised configuration in env-file syntax (dnsmeshd -c input). */
void sup_printconf(const struct supervisor *sup, const struct dm_config *cfg, unsigned watchdog_sec,
		   FILE *out);

/* dirs.c */
/* Creates the run and database directories with their owners and modes
 * (root: run dir root:dnsmesh 0750, database dir <store user> 0700), and
 * checks the service users can reach them. Exits 78 with one line when the
 * layout cannot work. */
void sup_dirs_prepare(struct supervisor *sup);
/* `path` made absolute against the working directory, into `out`. */
int sup_abspath(const char *path, char *out, size_t cap);

/* main.c */
uint64_t sup_now_ms(void);
/* Called when the last child has exited during shutdown. */
void sup_stopped(struct supervisor *sup);
/* Called whenever a child's readiness changes. */
void sup_readiness_changed(struct supervisor *sup);

#endif
