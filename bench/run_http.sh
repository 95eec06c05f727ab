#!/usr/bin/env bash
# HTTP publish throughput of dnsmesh-https (not CI): wrk with 8 keep-alive
# connections, each request a POST /v1/records/<distinct name> (bench/
# http_publish.lua), over plain HTTP and over TLS, with the store at
# synchronous=FULL and NORMAL. Every 201 is sent only after the store's
# COMMIT returned (group commit), so each acknowledged publish is durable.
#
# usage: bench/run_http.sh [BUILD_DIR] [SECONDS]
# env:   DM_PIPELINE (requests in flight per connection, default 32 = the server's cap)
# Prints a Markdown table for docs/performance.md ("HTTP publish").
set -euo pipefail
BUILD=${1:-build}
SECS=${2:-10}
SRC=$(cd "$(dirname "$0")/.." && pwd)
BIN=$SRC/$BUILD/bin
[ -d "$BUILD" ] && BIN=$(cd "$BUILD" && pwd)/bin
PIPE=${DM_PIPELINE:-32}
for t in wrk openssl python3; do command -v $t >/dev/null || { echo "$t is needed" >&2; exit 1; }; done
for b in dnsmesh-store dnsmesh-https dnsmesh-node-admin; do
	[ -x "$BIN/$b" ] || { echo "$BIN/$b missing: build first (make build)" >&2; exit 1; }
done

T=$(mktemp -d "${TMPDIR:-/tmp}/dnsmesh-bench-http.XXXXXX")
PIDS=()
cleanup()
{
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
	-addext subjectAltName=IP:127.0.0.1 -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null

export DMP_HTTP_HOST=127.0.0.1 DMP_HTTP_PORT=$port DMP_HTTP_RATE=0 DMP_LOG_LEVEL=WARNING
export DMP_MAX_VALUES_PER_NAME=64

# run SYNC TLS: prints "acknowledged/s durable-rows"
run()
{
	local sync=$1 tls=$2 dir=$T/$1-$2 scheme=http
	mkdir -p "$dir"
	export DMP_RUN_DIR=$dir/run DMP_DB_PATH=$dir/dmp.db DMP_DB_SYNC=$sync
	"$BIN/dnsmesh-store" 2>"$dir/store.log" &
	PIDS+=($!)
	local store=$!
	for _ in $(seq 100); do [ -S "$DMP_RUN_DIR/store.sock" ] && break; sleep 0.1; done
	if [ "$tls" = tls ]; then
		scheme=https
		DMP_TLS_CERT=$T/cert.pem DMP_TLS_KEY=$T/key.pem "$BIN/dnsmesh-https" 2>"$dir/https.log" &
	else
		"$BIN/dnsmesh-https" 2>"$dir/https.log" &
	fi
	PIDS+=($!)
	local https=$!
	for _ in $(seq 100); do
		curl -sk -o /dev/null "$scheme://127.0.0.1:$port/health" && break
		sleep 0.1
	done
	DM_PIPELINE=$PIPE wrk -t2 -c8 -d"${SECS}s" -s "$SRC/bench/http_publish.lua" \
		"$scheme://127.0.0.1:$port/" >"$dir/wrk.txt" 2>"$dir/wrk.err"
	local rps ok rows
	rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$dir/wrk.txt")
	ok=$(sed -n 's/^requests \([0-9]*\) errors_status \([0-9]*\)/\1 \2/p' "$dir/wrk.txt")
	rows=$("$BIN/dnsmesh-node-admin" stats | sed -n 's/^records //p')
	kill "$https" "$store" 2>/dev/null || true
	wait "$https" "$store" 2>/dev/null || true
	echo "$rps $ok $rows"
}

echo "| transport | synchronous | publishes/s (acknowledged) | requests | non-201 | rows in the store after |"
echo "|---|---|---|---|---|---|"
for tls in plain tls; do
	for sync in full normal; do
		read -r rps n bad rows <<<"$(run "$sync" "$tls")"
		printf '| %s | %s | %.0f | %s | %s | %s |\n' \
			"$([ "$tls" = tls ] && echo "HTTPS (TLS 1.2, ECDSA P-256)" || echo "HTTP")" \
			"$(echo "$sync" | tr a-z A-Z)" "$rps" "$n" "$bad" "$rows"
	done
done
echo
echo "wrk -t2 -c8, keep-alive, $PIPE requests in flight per connection, ${SECS} s each; $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
