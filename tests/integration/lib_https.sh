# Shared helpers for the https-frontend integration tests (t_https_*.sh).
#
# Each test sources this file, which makes a private temp dir, picks free
# loopback ports and, on exit, stops every process it started (TERM, then
# KILL), fails on an unclean exit or any sanitizer report in their logs, and
# prints the logs when something failed.
#
# Until dnsmeshd lands, the store, the https-frontend and (when a test reads
# back by DNS) the dns-frontend are started directly, each readiness polled.
# Env: DM_BIN (binaries), DM_SRC (repo).

set -uo pipefail

: "${DM_BIN:?DM_BIN must point at the bin directory of a build}"
DM_SRC=${DM_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
for tool in curl python3; do
	command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done

T=$(mktemp -d "${TMPDIR:-/tmp}/dnsmesh-https.XXXXXX")
export DMP_RUN_DIR=$T/run
export DMP_DB_PATH=$T/dmp.db
export DMP_LOG_LEVEL=${DMP_LOG_LEVEL:-INFO}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
STORE_PID=
HTTPS_PID=
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

# expect_has WHAT HAYSTACK NEEDLE
expect_has()
{
	case $2 in
	*"$3"*) ;;
	*) fail "$1: '$2' does not contain '$3'" ;;
	esac
}

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

export DMP_HTTP_HOST=127.0.0.1
export DMP_HTTP_PORT=$(free_port)
export DMP_DNS_HOST=127.0.0.1
export DMP_DNS_PORT=$(free_port)
HTTP_PORT=$DMP_HTTP_PORT
BASE=http://127.0.0.1:$HTTP_PORT

. "$(dirname "${BASH_SOURCE[0]}")/lib_proc.sh"

admin()
{
	"$DM_BIN/dnsmesh-node-admin" "$@"
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

start_store()
{
	"$DM_BIN/dnsmesh-store" 2>>"$T/store.log" &
	STORE_PID=$!
	local i
	for ((i = 0; i < 100; i++)); do
		if [ -S "$DMP_RUN_DIR/store.sock" ] && admin stats >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$STORE_PID" 2>/dev/null || fail "dnsmesh-store exited at start"
		sleep 0.1
	done
	fail "dnsmesh-store not reachable after 10 s"
}

# start_https [VAR=value ...]: starts the frontend and waits until /health answers 200.
start_https()
{
	env "$@" "$DM_BIN/dnsmesh-https" 2>>"$T/https.log" &
	HTTPS_PID=$!
	local i code
	for ((i = 0; i < 100; i++)); do
		code=$(curl -s -o /dev/null -w '%{http_code}' ${CURL_TLS:-} "${BASE}/health" 2>/dev/null)
		[ "$code" = 200 ] && return 0
		kill -0 "$HTTPS_PID" 2>/dev/null || fail "dnsmesh-https exited at start"
		sleep 0.1
	done
	fail "dnsmesh-https not answering /health after 10 s (last: $code)"
}

stop_https()
{
	stop_pid "$HTTPS_PID" dnsmesh-https || fail "dnsmesh-https did not stop cleanly"
	HTTPS_PID=
}

start_dns()
{
	command -v dig >/dev/null || fail "dig not installed"
	env "$@" "$DM_BIN/dnsmesh-dns" 2>>"$T/dns.log" &
	DNS_PID=$!
	local i r
	for ((i = 0; i < 100; i++)); do
		r=$(dig +norec +time=1 +tries=1 -p "$DMP_DNS_PORT" @127.0.0.1 probe.invalid TXT 2>/dev/null |
			sed -n 's/.*status: \([A-Z]*\),.*/\1/p')
		if [ -n "$r" ] && [ "$r" != SERVFAIL ]; then return 0; fi
		kill -0 "$DNS_PID" 2>/dev/null || fail "dnsmesh-dns exited at start"
		sleep 0.1
	done
	fail "dnsmesh-dns not answering after 10 s"
}

# http METHOD PATH [BODY] [curl options...]: prints "STATUS BODY".
http()
{
	local method=$1 path=$2 body=${3:-}
	shift 3 2>/dev/null || shift $#
	local args=(-s -o "$T/body" -w '%{http_code}' -X "$method" ${CURL_TLS:-})
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
	local code
	code=$(curl "${args[@]}" "$@" "${BASE}${path}")
	printf '%s %s' "$code" "$(cat "$T/body" 2>/dev/null)"
}

# status METHOD PATH [BODY] [curl options...]: just the status code.
status()
{
	local out
	out=$(http "$@")
	echo "${out%% *}"
}

# txt NAME: the TXT strings dig gets for NAME (one line per RR).
txt()
{
	dig +norec +short +time=2 +tries=1 -p "$DMP_DNS_PORT" @127.0.0.1 "$1" TXT
}

# raw_http HEX-OR-TEXT...: see http_raw.py.
raw_http()
{
	python3 "$DM_SRC/tests/integration/http_raw.py" "$HTTP_PORT" "$@"
}
