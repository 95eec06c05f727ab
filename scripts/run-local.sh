#!/usr/bin/env bash
# Starts a local single-node mesh with the embedded defaults (loopback, high
# ports, sqlite under ./var). Until the node services land, shows the version.
set -eu
bindir="${1:-build}/bin"
mkdir -p var
if [ -x "$bindir/dnsmeshd" ]; then
	exec "$bindir/dnsmeshd"
fi
"$bindir/dnsmesh" --version
echo "dnsmeshd is not built yet: only the core library and the CLI stub exist."
