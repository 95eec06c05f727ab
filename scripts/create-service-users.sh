#!/usr/bin/env bash
# Creates the group `dnsmesh` and one system user per node service, as
# dnsmeshd expects when it starts as root (docs/ARCHITECTURE.md, "Processes
# and supervision"). Idempotent; safe to run concurrently (flock).
set -eu
[ "$(id -u)" -eq 0 ] || { echo "create-service-users.sh: run as root" >&2; exit 1; }
users="dnsmesh-store dnsmesh-dns dnsmesh-https dnsmesh-sync dnsmesh-heartbeat"
exec 9>/run/dnsmesh-create-users.lock 2>/dev/null || exec 9>/tmp/dnsmesh-create-users.lock
flock 9
getent group dnsmesh >/dev/null || groupadd --system dnsmesh
for u in $users; do
	getent passwd "$u" >/dev/null ||
		useradd --system --gid dnsmesh --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin "$u"
done
