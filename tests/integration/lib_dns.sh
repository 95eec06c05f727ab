# shellcheck shell=bash
# Shared helpers for the dns-frontend integration tests (t_dns_*.sh).
#
# Each test sources this file, which makes a private temp dir, picks free
# loopback ports and, on exit, stops every process it started (TERM, then
# KILL), fails on an unclean exit or any sanitizer report in their logs, and
# prints the logs when something failed.
#
# Until dnsmeshd lands, the store and the dns-frontend are started directly.
# Env: DM_BIN (binaries), DM_SRC (repo), DM_VECTORS_DIR (unused here).

set -uo pipefail

: "${DM_BIN:?DM_BIN must point at the bin directory of a build}"
DM_SRC=${DM_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
for tool in dig python3; do
	command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done

T=$(mktemp -d "${TMPDIR:-/tmp}/dnsmesh-test.XXXXXX")
export DMP_RUN_DIR=$T/run
export DMP_DB_PATH=$T/dmp.db
export DMP_LOG_LEVEL=${DMP_LOG_LEVEL:-INFO}
# Sanitizer reports go to the service logs, which cleanup() scans.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
STORE_PID=
DNS_PID=
FAILED=0
TEST_NAME=$(basename "$0" .sh)
STEP=

fail()
{
	echo "FAIL [$TEST_NAME${STEP:+: $STEP}]: $*" >&2
	FAILED=1
	exit 1
}

step()
{
	STEP=$*
	echo "--- $STEP"
}

# expect_eq WHAT GOT WANT
expect_eq()
{
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}

# A port free for both UDP and TCP on 127.0.0.1.
free_port()
{
	python3 - <<'PY'
import socket
for _ in range(100):
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind(("127.0.0.1", 0))
    port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        t.close()
        continue
    u.close()
    t.close()
    print(port)
    break
PY
}

PORT=$(free_port)
export DMP_DNS_HOST=127.0.0.1
export DMP_DNS_PORT=$PORT

. "$(dirname "${BASH_SOURCE[0]}")/lib_proc.sh"

# Waits (bounded) until the store's socket accepts an admin request.
start_store()
{
	"$DM_BIN/dnsmesh-store" 2>>"$T/store.log" &
	STORE_PID=$!
	local i
	for ((i = 0; i < 100; i++)); do
		if [ -S "$DMP_RUN_DIR/store.sock" ] &&
			admin stats >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$STORE_PID" 2>/dev/null || fail "dnsmesh-store exited at start"
		sleep 0.1
	done
	fail "dnsmesh-store not reachable after 10 s"
}

# kill -9, as a crash would.
crash_store()
{
	kill -KILL "$STORE_PID"
	wait "$STORE_PID" 2>/dev/null
	STORE_PID=
}

# Extra environment for the frontend: start_dns VAR=value ...
start_dns()
{
	env "$@" "$DM_BIN/dnsmesh-dns" 2>>"$T/dns.log" &
	DNS_PID=$!
}

# Like start_dns, with the sockets bound here and passed as systemd does
# (DMP_DNS_HOST then points at an address the service could not bind).
start_dns_inherited()
{
	env "$@" python3 "$DM_SRC/tests/integration/listen_exec.py" "$DMP_DNS_HOST" "$PORT" \
		"$DM_BIN/dnsmesh-dns" 2>>"$T/dns.log" &
	DNS_PID=$!
}

stop_dns()
{
	stop_pid "$DNS_PID" dnsmesh-dns || fail "dnsmesh-dns did not stop cleanly"
	DNS_PID=
}

admin()
{
	"$DM_BIN/dnsmesh-node-admin" "$@"
}

put()
{
	admin put "$@" >/dev/null || fail "put $*"
}

# q [dig options] NAME TYPE: one UDP try, no recursion wanted.
q()
{
	dig +norec +time=2 +tries=1 -p "$PORT" @127.0.0.1 "$@"
}

# rcode [dig options] NAME TYPE: NOERROR, NXDOMAIN, ..., or TIMEOUT.
rcode()
{
	local out
	out=$(q "$@" 2>&1) || { echo TIMEOUT; return 0; }
	sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$out" | head -n 1
}

# rcode_is WANT [dig options] NAME TYPE: for wait_for.
rcode_is()
{
	local want=$1
	shift
	[ "$(rcode "$@")" = "$want" ]
}

# flags [dig options] NAME TYPE: the header flags, e.g. "qr aa rd".
flags()
{
	q "$@" | sed -n 's/^;; flags: \([a-z ]*\);.*/\1/p' | head -n 1
}

# Waits (bounded, 10 s) until the frontend answers NAME from a loaded table:
# any rcode but SERVFAIL and no timeout.
wait_dns()
{
	local name=${1:-probe.invalid} i r
	for ((i = 0; i < 100; i++)); do
		r=$(rcode +time=1 "$name" TXT)
		if [ -n "$r" ] && [ "$r" != TIMEOUT ] && [ "$r" != SERVFAIL ]; then
			return 0
		fi
		[ -n "$DNS_PID" ] && ! kill -0 "$DNS_PID" 2>/dev/null && fail "dnsmesh-dns exited"
		sleep 0.1
	done
	fail "dnsmesh-dns not answering after 10 s (last: $r)"
}

# wait_for DESCRIPTION COMMAND...: polls COMMAND (bounded, 10 s) until it succeeds.
wait_for()
{
	local what=$1 i
	shift
	for ((i = 0; i < 100; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	fail "timed out waiting for $what"
}

# raw [--tcp] HEX: sends the bytes (a DNS message in hex; over TCP it is
# framed) and prints "rcode=N flags=XXXX an=N" for the reply, or "noreply".
raw()
{
	python3 "$DM_SRC/tests/integration/dns_raw.py" "$PORT" "$@"
}
