/*
 * Starting, watching and restarting the services. Each child is fork+exec'd
 * with its sockets on fds 3.., the systemd variables that describe them, a
 * NOTIFY_SOCKET pointing at dnsmeshd and, under root, its own user. Between
 * fork() and exec() only async-signal-safe calls are made: everything the
 * child needs (environment, paths, ids) is prepared before fork().
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "common/node/log.h"
#include "common/node/systemd.h"
#include "services/supervisor/supervisor.h"

#define EX_CHILD_SETUP 71 /* EX_OSERR: the child could not be set up before exec */
#define PID_DIGITS     20

/* The environment of one child, with room for the pids only it can know. */
struct spawn_env {
	char **envp;
	char fds_var[32];
	char names_var[128];
	char listen_pid[16 + PID_DIGITS];
	char notify_var[16 + DM_PATH_MAX];
	char wd_usec[48];
	char wd_pid[16 + PID_DIGITS];
};

static void schedule_restart(struct child *c);

/* Async-signal-safe "KEY=<pid>" (the key is already in `var`). */
static void put_pid(char *var, pid_t pid)
{
	char *p = strchr(var, '=') + 1;
	char tmp[PID_DIGITS];
	size_t n = 0;
	unsigned long v = (unsigned long)pid;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0 && n < sizeof(tmp));
	while (n > 0)
		*p++ = tmp[--n];
	*p = '\0';
}

static void __attribute__((noreturn)) child_die(const char *svc, const char *what, int err)
{
	/* stderr is dnsmeshd's log; write(2) is all we may call here. */
	static const char pre[] = "<3>dnsmeshd: ";
	(void)!write(2, pre, sizeof(pre) - 1);
	(void)!write(2, svc, strlen(svc));
	(void)!write(2, ": ", 2);
	(void)!write(2, what, strlen(what));
	if (err != 0) {
		const char *e = strerrorname_np(err);
		(void)!write(2, ": ", 2);
		(void)!write(2, e ? e : "error", strlen(e ? e : "error"));
	}
	(void)!write(2, "\n", 1);
	_exit(EX_CHILD_SETUP);
}

static int build_env(const struct child *c, struct spawn_env *se)
{
	struct supervisor *sup = c->sup;
	size_t base = 0;
	while (sup->child_env[base] != NULL)
		base++;
	se->envp = calloc(base + 8, sizeof(char *));
	if (se->envp == NULL)
		return -1;
	size_t n = 0;
	for (size_t i = 0; i < base; i++)
		se->envp[n++] = sup->child_env[i];
	unsigned nfds = 0;
	size_t off = (size_t)snprintf(se->names_var, sizeof(se->names_var), "LISTEN_FDNAMES=");
	for (const char *const *s = c->svc->sockets; *s != NULL; s++) {
		int w = snprintf(se->names_var + off, sizeof(se->names_var) - off, "%s%s",
				 nfds ? ":" : "", *s);
		if (w < 0 || (size_t)w >= sizeof(se->names_var) - off)
			return -1;
		off += (size_t)w;
		nfds++;
	}
	if (nfds > 0) {
		snprintf(se->fds_var, sizeof(se->fds_var), "LISTEN_FDS=%u", nfds);
		strcpy(se->listen_pid, "LISTEN_PID=");
		se->envp[n++] = se->fds_var;
		se->envp[n++] = se->names_var;
		se->envp[n++] = se->listen_pid;
	}
	snprintf(se->notify_var, sizeof(se->notify_var), "NOTIFY_SOCKET=%s", sup->notify_path);
	se->envp[n++] = se->notify_var;
	if (sup->watchdog_sec > 0) {
		snprintf(se->wd_usec, sizeof(se->wd_usec), "WATCHDOG_USEC=%llu",
			 (unsigned long long)sup->watchdog_sec * 1000000ull);
		strcpy(se->wd_pid, "WATCHDOG_PID=");
		se->envp[n++] = se->wd_usec;
		se->envp[n++] = se->wd_pid;
	}
	se->envp[n] = NULL;
	return 0;
}

/* In the child: from here to execve() only async-signal-safe calls. */
static void __attribute__((noreturn))
exec_child(const struct child *c, struct spawn_env *se, pid_t parent)
{
	const char *name = c->svc->name;
	struct supervisor *sup = c->sup;

	/* Handlers are libuv's and belong to the parent's loop. */
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	for (int s = 1; s < NSIG; s++)
		(void)sigaction(s, &dfl, NULL);
	sigset_t none;
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);

	/* Its own session: a terminal's ^C goes to dnsmeshd, which stops us in order. */
	(void)setsid();

	/* stdin from /dev/null; stdout and stderr stay dnsmeshd's log. */
	if (sup->devnull >= 0 && dup2(sup->devnull, 0) < 0)
		child_die(name, "cannot redirect stdin", errno);

	/* Sockets to fds 3..: first out of the way, so no dup2 clobbers a source. */
	int nfds = 0, moved[SUP_SERVICE_SOCKETS];
	for (const char *const *s = c->svc->sockets; *s != NULL; s++) {
		int fd = sup_socket_fd(sup, *s);
		if (fd < 0)
			child_die(name, "socket not bound", 0);
		moved[nfds] = fcntl(fd, F_DUPFD_CLOEXEC, SD_LISTEN_FDS_START + SUP_SERVICE_SOCKETS);
		if (moved[nfds] < 0)
			child_die(name, "cannot pass its sockets", errno);
		nfds++;
	}
	for (int i = 0; i < nfds; i++)
		if (dup2(moved[i], SD_LISTEN_FDS_START + i) < 0) /* dup2 clears CLOEXEC */
			child_die(name, "cannot pass its sockets", errno);
	/* Everything is O_CLOEXEC already; this also covers what a library forgot. */
	(void)close_range(SD_LISTEN_FDS_START + (unsigned)nfds, ~0u, 0);

	if (sup->root) {
		int r = dm_privdrop_apply(&c->ids);
		if (r < 0)
			child_die(name, "cannot drop privileges", -r);
	}
	int r = dm_privdrop_no_new_privs();
	if (r < 0)
		child_die(name, "cannot set no_new_privs", -r);
	/* After the uid change, which clears it; and the parent may be gone already. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) < 0)
		child_die(name, "cannot set the parent-death signal", errno);
	if (getppid() != parent)
		_exit(EX_CHILD_SETUP);

	pid_t self = getpid();
	if (nfds > 0)
		put_pid(se->listen_pid, self);
	if (sup->watchdog_sec > 0)
		put_pid(se->wd_pid, self);
	char *argv[] = {(char *)c->svc->binary, NULL};
	execve(c->path, argv, se->envp);
	child_die(name, "cannot execute its binary", errno);
}

static void spawn(struct child *c)
{
	struct spawn_env se;
	memset(&se, 0, sizeof(se));
	if (build_env(c, &se) < 0) {
		free(se.envp);
		log_warnx("%s: cannot prepare its environment", c->svc->name);
		schedule_restart(c);
		return;
	}
	/* No signal may run a libuv handler in the child before exec. */
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0)
		exec_child(c, &se, parent);
	int e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(se.envp);
	if (pid < 0) {
		errno = e;
		log_warn("%s: fork", c->svc->name);
		schedule_restart(c);
		return;
	}
	c->pid = pid;
	c->ready = false;
	c->killed_by_watchdog = false;
	c->started_ms = c->last_ping_ms = sup_now_ms();
	log_debug("%s started (pid %d)", c->svc->name, (int)pid);
}

static void restart_fire(uv_timer_t *t)
{
	struct child *c = t->data;
	if (!c->sup->stopping && c->pid == 0)
		spawn(c);
}

static void schedule_restart(struct child *c)
{
	if (c->sup->stopping)
		return;
	uint64_t up = sup_now_ms() - c->started_ms;
	/* A service that stayed healthy for a while starts over from the shortest wait. */
	if (c->backoff_ms == 0 || up >= SUP_HEALTHY_MS)
		c->backoff_ms = SUP_BACKOFF_MIN_MS;
	else if (c->backoff_ms < SUP_BACKOFF_MAX_MS)
		c->backoff_ms =
		    c->backoff_ms * 2 > SUP_BACKOFF_MAX_MS ? SUP_BACKOFF_MAX_MS : c->backoff_ms * 2;
	c->restarts++;
	log_info("restarting %s in %u ms", c->svc->name, c->backoff_ms);
	uv_timer_start(&c->restart_timer, restart_fire, c->backoff_ms, 0);
}

static struct child *find_child(struct supervisor *sup, pid_t pid)
{
	for (size_t i = 0; i < sup->nchildren; i++)
		if (sup->children[i].pid == pid && pid > 0)
			return &sup->children[i];
	return NULL;
}

static bool any_running(const struct supervisor *sup)
{
	for (size_t i = 0; i < sup->nchildren; i++)
		if (sup->children[i].pid > 0)
			return true;
	return false;
}

static void describe_exit(int status, char *out, size_t cap)
{
	if (WIFEXITED(status))
		snprintf(out, cap, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(out, cap, "killed by signal %d (%s)%s", WTERMSIG(status),
			 sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?",
			 WCOREDUMP(status) ? ", core dumped" : "");
	else
		snprintf(out, cap, "ended with status 0x%x", (unsigned)status);
}

void sup_children_reap(struct supervisor *sup)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid <= 0)
			break;
		struct child *c = find_child(sup, pid);
		if (c == NULL)
			continue;
		char how[96];
		describe_exit(status, how, sizeof(how));
		uint64_t up = sup_now_ms() - c->started_ms;
		bool was_ready = c->ready;
		c->pid = 0;
		c->ready = false;
		if (sup->stopping) {
			bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
			if (clean)
				log_debug("%s (pid %d) stopped", c->svc->name, (int)pid);
			else
				log_warnx("%s (pid %d) %s while stopping", c->svc->name, (int)pid,
					  how);
			continue;
		}
		if (!c->ever_ready && WIFEXITED(status) && WEXITSTATUS(status) == DM_EX_CONFIG) {
			/* Restarting cannot fix a setting only this service checks. */
			log_warnx("%s (pid %d) rejected the configuration (exit %d): stopping",
				  c->svc->name, (int)pid, DM_EX_CONFIG);
			sup->exit_code = DM_EX_CONFIG;
			sup_children_stop(sup);
			continue;
		}
		log_warnx("%s (pid %d) %s after %llu.%01llu s%s%s", c->svc->name, (int)pid, how,
			  (unsigned long long)(up / 1000), (unsigned long long)(up % 1000 / 100),
			  c->killed_by_watchdog ? ", having missed its watchdog" : "",
			  was_ready ? "" : ", before it was ready");
		schedule_restart(c);
		sup_readiness_changed(sup);
	}
	if (sup->stopping && !any_running(sup))
		sup_stopped(sup);
}

/* One notification datagram: newline-separated KEY=VALUE assignments. */
void sup_children_notify(struct supervisor *sup, pid_t pid, const char *msg, size_t len)
{
	struct child *c = find_child(sup, pid);
	if (c == NULL) {
		log_debug("notify: message from pid %d, which is not a service, ignoring",
			  (int)pid);
		return;
	}
	bool became_ready = false;
	const char *p = msg, *end = msg + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n == 7 && memcmp(p, "READY=1", 7) == 0) {
			if (!c->ready)
				became_ready = true;
			c->ready = c->ever_ready = true;
			c->last_ping_ms = sup_now_ms();
		} else if (n == 10 && memcmp(p, "WATCHDOG=1", 10) == 0) {
			c->last_ping_ms = sup_now_ms();
		} else if (n == 10 && memcmp(p, "STOPPING=1", 10) == 0) {
			log_debug("%s (pid %d) is stopping", c->svc->name, (int)pid);
		} else if (n > 7 && memcmp(p, "STATUS=", 7) == 0) {
			char esc[160];
			log_debug("%s: %s", c->svc->name,
				  log_escape(p + 7, n - 7, esc, sizeof(esc)));
		}
		p += n + 1;
	}
	if (became_ready) {
		uint64_t took = sup_now_ms() - c->started_ms;
		log_info("%s ready (pid %d) in %llu ms", c->svc->name, (int)pid,
			 (unsigned long long)took);
		sup_readiness_changed(sup);
	}
}

/* Kills a service that stopped pinging: a hung loop answers nobody. */
static void tick(uv_timer_t *t)
{
	struct supervisor *sup = t->data;
	if (sup->watchdog_sec == 0 || sup->stopping)
		return;
	uint64_t now = sup_now_ms(), limit = (uint64_t)sup->watchdog_sec * 1000;
	for (size_t i = 0; i < sup->nchildren; i++) {
		struct child *c = &sup->children[i];
		if (c->pid <= 0 || c->killed_by_watchdog || now - c->last_ping_ms <= limit)
			continue;
		log_warnx("%s (pid %d) sent no WATCHDOG=1 for %u s, killing it", c->svc->name,
			  (int)c->pid, sup->watchdog_sec);
		c->killed_by_watchdog = true;
		(void)kill(c->pid, SIGKILL);
	}
}

void sup_children_start(struct supervisor *sup)
{
	for (size_t i = 0; i < sup->nchildren; i++) {
		struct child *c = &sup->children[i];
		uv_timer_init(sup->loop, &c->restart_timer);
		c->restart_timer.data = c;
	}
	uv_timer_init(sup->loop, &sup->tick);
	sup->tick.data = sup;
	if (sup->watchdog_sec > 0) {
		uint64_t every = (uint64_t)sup->watchdog_sec * 1000 / 4;
		uv_timer_start(&sup->tick, tick, every ? every : 1, every ? every : 1);
	}
	uv_timer_init(sup->loop, &sup->kill_timer);
	sup->kill_timer.data = sup;
	for (size_t i = 0; i < sup->nchildren; i++)
		spawn(&sup->children[i]);
}

static void kill_fire(uv_timer_t *t)
{
	struct supervisor *sup = t->data;
	for (size_t i = 0; i < sup->nchildren; i++) {
		struct child *c = &sup->children[i];
		if (c->pid <= 0)
			continue;
		log_warnx("%s (pid %d) did not stop within %u s, killing it", c->svc->name,
			  (int)c->pid, SUP_STOP_GRACE_MS / 1000);
		(void)kill(c->pid, SIGKILL);
	}
}

void sup_children_stop(struct supervisor *sup)
{
	sup->stopping = true;
	uv_timer_stop(&sup->tick);
	for (size_t i = 0; i < sup->nchildren; i++) {
		struct child *c = &sup->children[i];
		uv_timer_stop(&c->restart_timer);
		if (c->pid > 0)
			(void)kill(c->pid, SIGTERM);
	}
	if (!any_running(sup)) {
		sup_stopped(sup);
		return;
	}
	uv_timer_start(&sup->kill_timer, kill_fire, SUP_STOP_GRACE_MS, 0);
}

void sup_children_close(struct supervisor *sup)
{
	for (size_t i = 0; i < sup->nchildren; i++)
		uv_close((uv_handle_t *)&sup->children[i].restart_timer, NULL);
	uv_close((uv_handle_t *)&sup->tick, NULL);
	uv_close((uv_handle_t *)&sup->kill_timer, NULL);
}
