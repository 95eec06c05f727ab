#!/usr/bin/env bash
# `make run`: a single-node mesh in the foreground with the embedded defaults
# (DNS on 127.0.0.1:5353, HTTP on 127.0.0.1:8053 once dnsmesh-https exists,
# sqlite under ./var, sockets in ./var/run). ^C stops every service.
# As root, each service runs as its own user; they are created first.
set -eu
bindir="$(cd "${1:-build}/bin" && pwd)"
[ -x "$bindir/dnsmeshd" ] || { echo "run-local.sh: $bindir/dnsmeshd is not built" >&2; exit 1; }
if [ "$(id -u)" -eq 0 ]; then
	"$(dirname "$0")/create-service-users.sh"
fi
mkdir -p var

cat <<EOT
dnsmesh node starting (stop with ^C). Things to try from another shell, in this directory:

  $bindir/dnsmesh-node-admin put hello.example.org 'hello from dnsmesh' 300
  dig @127.0.0.1 -p 5353 hello.example.org TXT +short
  $bindir/dnsmesh-node-admin stats

EOT
exec "$bindir/dnsmeshd"
