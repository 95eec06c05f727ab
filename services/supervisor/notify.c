/*
 * The notify socket: children report READY=1, WATCHDOG=1, STOPPING=1 and
 * STATUS= here exactly as they would to systemd. SO_PASSCRED makes the
 * kernel attach the sender's pid to every datagram, so a service cannot
 * speak for another one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/node/log.h"
#include "services/supervisor/supervisor.h"

/* systemd's own limit for one notification. */
#define NOTIFY_MAX 4096
#define NOTIFY_FDS 16

static void close_passed_fds(struct msghdr *mh)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
			(void)close(fd);
		}
	}
}

static void on_readable(uv_poll_t *h, int status, int events)
{
	struct supervisor *sup = h->data;
	(void)events;
	if (status < 0)
		return;
	for (;;) {
		char buf[NOTIFY_MAX + 1];
		union {
			struct cmsghdr align;
			char space[CMSG_SPACE(sizeof(struct ucred)) +
				   CMSG_SPACE(sizeof(int) * NOTIFY_FDS)];
		} ctl;
		struct iovec iov = {.iov_base = buf, .iov_len = NOTIFY_MAX};
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = &ctl,
				    .msg_controllen = sizeof(ctl)};
		ssize_t n = recvmsg(sup->notify_fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_warn("notify socket");
			return;
		}
		/* Nobody may store fds with us (FDSTORE=1 is not supported). */
		close_passed_fds(&mh);
		const struct ucred *cred = NULL;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm))
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS &&
			    cm->cmsg_len == CMSG_LEN(sizeof(struct ucred)))
				cred = (const struct ucred *)CMSG_DATA(cm);
		if (cred == NULL || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) {
			log_debug("notify: message without credentials or truncated, ignoring");
			continue;
		}
		pid_t pid = cred->pid;
		buf[n] = '\0';
		sup_children_notify(sup, pid, buf, (size_t)n);
	}
}

int sup_notify_open(struct supervisor *sup)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	/* sd_notify() accepts only absolute paths. */
	int n =
	    snprintf(sup->notify_path, sizeof(sup->notify_path), "%s/notify.sock", sup->run_abs);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, sup->notify_path);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
		goto fail;
	struct stat st;
	if (lstat(sup->notify_path, &st) == 0 && S_ISSOCK(st.st_mode))
		(void)unlink(sup->notify_path);
	mode_t old = umask(0177);
	int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0)
		goto fail;
	/* Services run as their own users, all in the service group. */
	if (sup->root &&
	    (chown(sup->notify_path, 0, sup->group_gid) < 0 || chmod(sup->notify_path, 0660) < 0))
		goto fail;
	sup->notify_fd = fd;
	uv_poll_init(sup->loop, &sup->notify_poll, fd);
	sup->notify_poll.data = sup;
	uv_poll_start(&sup->notify_poll, UV_READABLE, on_readable);
	return 0;
fail:
	(void)close(fd);
	return -1;
}

void sup_notify_close(struct supervisor *sup)
{
	if (sup->notify_fd < 0)
		return;
	uv_close((uv_handle_t *)&sup->notify_poll, NULL);
	(void)close(sup->notify_fd);
	sup->notify_fd = -1;
	(void)unlink(sup->notify_path);
}
