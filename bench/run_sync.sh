#!/usr/bin/env bash
# Cluster sync (not CI): three dnsmeshd nodes on loopback with a signed
# cluster manifest and DMP_SYNC_INTERVAL=0.5. Node 1 is loaded with N records
# (dnsmesh-node-admin load, 220-byte chunk values); nodes 2 and 3 then start
# empty. Measures the time from their start until both hold every record,
# the bytes the sync clients exchanged meanwhile (HTTP requests and
# responses, counted by dnsmesh-sync itself), and, once in sync, the bytes
# of one round per peer pair (the O(1) summary check).
#
# usage: bench/run_sync.sh [BUILD_DIR] [RECORDS]
# Prints a Markdown table for docs/performance.md ("Cluster sync").
set -euo pipefail
BUILD=${1:-build}
N=${2:-10000}
SRC=$(cd "$(dirname "$0")/.." && pwd)
BIN=$SRC/$BUILD/bin
[ -d "$BUILD" ] && BIN=$(cd "$BUILD" && pwd)/bin
for b in dnsmeshd dnsmesh-store dnsmesh-dns dnsmesh-https dnsmesh-sync dnsmesh-node-admin; do
	[ -x "$BIN/$b" ] || { echo "$BIN/$b missing: build first (make build)" >&2; exit 1; }
done
export DM_BIN=$BIN DM_SRC=$SRC
# The cluster test harness starts, watches and stops the nodes.
CL_INTERVAL=0.5
CL_LOG_LEVEL=DEBUG
. "$SRC/tests/integration/lib_cluster.sh"
cl_setup 3

records() { cl_summary "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])' 2>/dev/null || echo 0; }
# Sum of the byte counts of the sync rounds logged by node I after line MARK.
round_bytes()
{
	tail -n +"$(($2 + 1))" "$(cl_log "$1")" | sed -n 's/.*request(s), \([0-9]*\) bytes.*/\1/p' |
		awk '{s += $1} END {print s + 0}'
}

cl_step "load $N records into node 1"
cl_start 1
python3 - "$N" >"$T/load.tsv" <<'PY'
import base64, os, sys
for i in range(int(sys.argv[1])):
    blob = base64.b64encode(os.urandom(150)).decode()
    print("chunk-%04d-%012x.mesh.test\t86400\tv=dmp1;t=chunk;d=%s" % (i % 10000, i, blob))
PY
DMP_RUN_DIR="$(cl_dir 1)/var/run" "$BIN/dnsmesh-node-admin" load "$T/load.tsv" >/dev/null
want=$((N + 1)) # and the cluster manifest
[ "$(records 1)" -eq "$want" ] || { echo "node 1 holds $(records 1) records, not $want" >&2; exit 1; }

cl_step "start nodes 2 and 3 empty; wait until both hold every record"
m1=$(wc -l <"$(cl_log 1)")
t0=$(cl_now_ms)
cl_start 2 &
p2=$!
cl_start 3
wait "$p2"
both() { [ "$(records 2)" -eq "$want" ] && [ "$(records 3)" -eq "$want" ]; }
for ((k = 0; k < 1200; k++)); do both && break; sleep 0.05; done
t1=$(cl_now_ms)
both || { echo "no convergence within 60 s: $(records 2) / $(records 3)" >&2; exit 1; }
conv_ms=$((t1 - t0))
# Rounds still in flight finish within an interval.
sleep 1
conv_bytes=$(($(round_bytes 1 "$m1") + $(round_bytes 2 0) + $(round_bytes 3 0)))
mark=()
for i in 1 2 3; do mark[i]=$(wc -l <"$(cl_log "$i")"); done

cl_step "in sync: bytes per round"
sleep 10
insync=$(for i in 1 2 3; do
	tail -n +"$((mark[i] + 1))" "$(cl_log "$i")" | sed -n 's/.*in sync, \([0-9]*\) request(s), \([0-9]*\) bytes.*/\1 \2/p'
done)
rounds=$(wc -l <<<"$insync")
per_round=$(awk '{b += $2; r += $1} END {printf "%.0f", b / NR}' <<<"$insync")
reqs=$(awk '{r += $1} END {printf "%.1f", r / NR}' <<<"$insync")
other=$(for i in 1 2 3; do tail -n +"$((mark[i] + 1))" "$(cl_log "$i")"; done | grep -c 'page(s)' || true)

echo
echo "| Cluster sync (3 nodes, loopback, interval 0.5 s) | value |"
echo "|---|---:|"
echo "| records loaded into node 1 | $N (220-byte values) |"
echo "| convergence of nodes 2 and 3 from empty (start → both hold all) | $(awk -v m="$conv_ms" 'BEGIN{printf "%.2f s", m/1000}') |"
echo "| bytes exchanged by the sync clients during convergence | $(awk -v b="$conv_bytes" 'BEGIN{printf "%.1f MiB", b/1048576}') |"
echo "| in-sync rounds observed in 10 s (all nodes) | $rounds ($other other) |"
echo "| requests per in-sync round | $reqs |"
echo "| bytes per in-sync round per peer pair (request + response) | $per_round |"
for i in 1 2 3; do cl_stop "$i"; done
