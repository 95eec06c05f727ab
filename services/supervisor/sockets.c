/*
 * The sockets dnsmeshd binds and hands to its services. dnsmeshd keeps every
 * one open for its whole life, so a restarting service loses nothing: DNS
 * queries and store clients wait in the kernel's queues meanwhile.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/node/log.h"
#include "services/supervisor/supervisor.h"

#define LISTEN_BACKLOG 1024

static void add_socket(struct supervisor *sup, const char *name, int fd)
{
	if (sup->nsockets == SUP_SOCKETS_MAX)
		fatalx("too many sockets");
	sup->sockets[sup->nsockets].name = name;
	sup->sockets[sup->nsockets].fd = fd;
	sup->nsockets++;
}

int sup_socket_fd(const struct supervisor *sup, const char *name)
{
	for (size_t i = 0; i < sup->nsockets; i++)
		if (strcmp(sup->sockets[i].name, name) == 0)
			return sup->sockets[i].fd;
	return -1;
}

static int bind_unix(struct supervisor *sup, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		fatalx("%s: path too long for a Unix socket", path);
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fatal("socket");
	/* A socket file left by an earlier run would make bind fail. */
	struct stat st;
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		(void)unlink(path);
	/* Never a moment with a wider mode than the final one. */
	mode_t old = umask(0177);
	int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0)
		fatal("cannot bind %s", path);
	if (sup->root) {
		if (chown(path, 0, sup->group_gid) < 0 || chmod(path, 0660) < 0)
			fatal("cannot set the owner of %s", path);
	}
	if (listen(fd, LISTEN_BACKLOG) < 0)
		fatal("cannot listen on %s", path);
	return fd;
}

/* Binds host:port; port 0 takes `*port` if another socket of the pair
 * already got one, so UDP and TCP share a port. */
static int bind_inet(const char *what, const char *host, uint16_t *port, int type)
{
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
				 .ai_family = AF_UNSPEC,
				 .ai_socktype = type};
	struct addrinfo *ai = NULL;
	char service[8];
	snprintf(service, sizeof(service), "%u", (unsigned)*port);
	int r = getaddrinfo(host, service, &hints, &ai);
	if (r != 0 || ai == NULL)
		fatalx("%s: %s is not a numeric IP address", what, host);
	int fd = socket(ai->ai_family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fatal("socket");
	int one = 1;
	if (type == SOCK_STREAM && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		fatal("setsockopt");
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		int e = errno;
		freeaddrinfo(ai);
		errno = e;
		fatal("cannot bind %s to %s%s%s:%u", what, strchr(host, ':') ? "[" : "", host,
		      strchr(host, ':') ? "]" : "", (unsigned)*port);
	}
	freeaddrinfo(ai);
	if (type == SOCK_STREAM && listen(fd, LISTEN_BACKLOG) < 0)
		fatal("cannot listen for %s", what);
	struct sockaddr_storage ss;
	socklen_t slen = sizeof(ss);
	if (*port == 0 && getsockname(fd, (struct sockaddr *)&ss, &slen) == 0)
		*port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						       : ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

void sup_sockets_bind(struct supervisor *sup)
{
	uint16_t dns_port = sup->cfg.dns_port, http_port = sup->cfg.http_port;
	for (size_t i = 0; i < sup->nchildren; i++) {
		for (const char *const *n = sup->children[i].svc->sockets; *n != NULL; n++) {
			if (sup_socket_fd(sup, *n) >= 0)
				continue;
			int fd;
			if (strcmp(*n, "store") == 0)
				fd = bind_unix(sup, sup->store_sock_path);
			else if (strcmp(*n, "dns-udp") == 0)
				fd = bind_inet("DNS (UDP)", sup->cfg.dns_host, &dns_port,
					       SOCK_DGRAM);
			else if (strcmp(*n, "dns-tcp") == 0)
				fd = bind_inet("DNS (TCP)", sup->cfg.dns_host, &dns_port,
					       SOCK_STREAM);
			else if (strcmp(*n, "https") == 0)
				fd = bind_inet("HTTP", sup->cfg.http_host, &http_port, SOCK_STREAM);
			else
				fatalx("no way to bind the socket called %s", *n);
			add_socket(sup, *n, fd);
		}
	}
	log_debug("bound %zu sockets", sup->nsockets);
}

void sup_sockets_close(struct supervisor *sup)
{
	for (size_t i = 0; i < sup->nsockets; i++)
		(void)close(sup->sockets[i].fd);
	sup->nsockets = 0;
	if (sup->store_sock_path[0] != '\0')
		(void)unlink(sup->store_sock_path);
}
