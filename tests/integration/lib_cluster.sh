# Harness for the cluster tests (t_cluster_*.sh): up to three dnsmeshd nodes
# on loopback, each with its own ports, database, run directory, notify
# listener and log, sharing a signed cluster manifest, a sync peer token and
# a short sync interval. Readiness is each node's READY=1 (never a sleep);
# everything started is stopped from a trap (TERM, then KILL), and the test
# fails on a sanitizer report in any node's log.
#
# Use: . lib_cluster.sh; cl_setup 3; cl_start 1; ...; cl_write 1 NAME VALUE;
# cl_wait_txt 2 NAME VALUE SECONDS; cl_kill9 3; cl_start 3; ...
set -euo pipefail

: "${DM_BIN:?DM_BIN must point at the bin directory of a build}"
DM_SRC=${DM_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
DM_IT=$DM_SRC/tests/integration
DM_TEST=$(basename "$0" .sh)
for tool in python3 dig curl; do
	command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
[ -x "$DM_BIN/dnsmesh-sync" ] || { echo "SKIP: dnsmesh-sync not built"; exit 77; }

while read -r v; do unset "$v"; done < <(compgen -e | grep -E '^(DMP_|NOTIFY_SOCKET|LISTEN_|WATCHDOG_)' || true)

T=$(mktemp -d "${TMPDIR:-/tmp}/dm-$DM_TEST.XXXXXX")
chmod 755 "$T"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
CL_INTERVAL=${CL_INTERVAL:-1}
CL_TOKEN=sync-token-$RANDOM$RANDOM
CL_BASE=mesh.test
CL_N=0
CL_FAILED=0
CL_STEP=
declare -a CL_DNS CL_HTTP CL_PID CL_NOTIFY_PID

cl_step() { CL_STEP=$*; echo "--- $CL_STEP"; }

cl_fail()
{
	echo "FAIL [$DM_TEST${CL_STEP:+: $CL_STEP}]: $*" >&2
	CL_FAILED=1
	exit 1
}

# cl_wait_for SECONDS WHAT COMMAND...: polls every 50 ms.
cl_wait_for()
{
	local secs=$1 what=$2 i
	shift 2
	for ((i = 0; i < secs * 20; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	cl_fail "timed out after ${secs} s waiting for $what"
}

cl_dir() { echo "$T/n$1"; }
cl_log() { echo "$T/n$1/dnsmeshd.log"; }

# cl_setup N [extra manifest nodes]: ports, operator key, signed manifest.
cl_setup()
{
	CL_N=$1
	local ports i args=()
	ports=$(python3 "$DM_IT/free_ports.py" $((2 * CL_N)))
	for ((i = 1; i <= CL_N; i++)); do
		CL_DNS[i]=$(sed -n "$((2 * i - 1))p" <<<"$ports")
		CL_HTTP[i]=$(sed -n "$((2 * i))p" <<<"$ports")
		mkdir -p "$(cl_dir "$i")/var"
		: >"$(cl_log "$i")"
		args+=(--node "n$i=http://127.0.0.1:${CL_HTTP[i]}")
	done
	read -r CL_SEED CL_SPK < <("$DM_BIN/dnsmesh-node-admin" cluster keygen)
	CL_WIRE=$("$DM_BIN/dnsmesh-node-admin" cluster sign --key "$CL_SEED" --name "$CL_BASE" \
		--seq 1 --exp $(($(date +%s) + 86400)) "${args[@]}")
	printf '{"wire": "%s"}\n' "$CL_WIRE" >"$T/cluster.json"
	chmod 644 "$T/cluster.json"
	[ "$(id -u)" -eq 0 ] && "$DM_SRC/scripts/create-service-users.sh"
	return 0
}

# The environment of node I (extra VAR=VALUE pairs may follow).
cl_env()
{
	local i=$1 d
	d=$(cl_dir "$i")
	echo DMP_DNS_HOST=127.0.0.1 DMP_DNS_PORT="${CL_DNS[i]}" \
		DMP_HTTP_HOST=127.0.0.1 DMP_HTTP_PORT="${CL_HTTP[i]}" \
		DMP_DB_PATH="$d/var/db/dmp.db" DMP_RUN_DIR="$d/var/run" \
		DMP_HTTP_RATE=0 DMP_DNS_RATE=0 DMP_SYNC_PEER_TOKEN="$CL_TOKEN" \
		DMP_SYNC_INTERVAL="$CL_INTERVAL" DMP_CLUSTER_FILE="$T/cluster.json" \
		DMP_NODE_ID="n$i" DMP_SYNC_OPERATOR_SPK="$CL_SPK" \
		DMP_CLUSTER_BASE_DOMAIN="$CL_BASE" DMP_LOG_LEVEL="${CL_LOG_LEVEL:-INFO}"
}

_cl_after_has() { tail -n +"$(($2 + 1))" "$1" | grep -qE -- "$3"; }

# cl_start I [VAR=VALUE ...]: starts node I and waits for its READY=1.
cl_start()
{
	local i=$1 d mark
	shift
	d=$(cl_dir "$i")
	if [ -z "${CL_NOTIFY_PID[i]:-}" ]; then
		: >"$d/notify.log"
		python3 "$DM_IT/notify_listen.py" "$d/notify.sock" "$d/notify.log" &
		CL_NOTIFY_PID[i]=$!
		cl_wait_for 10 "notify listener $i" grep -q LISTENING "$d/notify.log"
	fi
	mark=$(wc -l <"$d/notify.log")
	# shellcheck disable=SC2046
	env $(cl_env "$i") "$@" NOTIFY_SOCKET="$d/notify.sock" "$DM_BIN/dnsmeshd" \
		2>>"$(cl_log "$i")" &
	CL_PID[i]=$!
	local k
	for ((k = 0; k < 60 * 20; k++)); do
		_cl_after_has "$d/notify.log" "$mark" '(^| )READY=1' && return 0
		kill -0 "${CL_PID[i]}" 2>/dev/null || cl_fail "node $i: dnsmeshd exited during start-up"
		sleep 0.05
	done
	cl_fail "node $i: no READY=1 within 60 s"
}

# Every process of node I (by its run directory).
cl_procs()
{
	local i=$1 p exe run
	run="$(cl_dir "$i")/var/run"
	for p in /proc/[0-9]*; do
		exe=$(readlink "$p/exe" 2>/dev/null) || continue
		case "$exe" in "$DM_BIN"/*) ;; *) continue ;; esac
		tr '\0' '\n' <"$p/environ" 2>/dev/null | grep -qxF "DMP_RUN_DIR=$run" && echo "${p#/proc/}"
	done
	return 0
}

# The pid of service NAME (sync, dns, ...) of node I.
cl_svc_pid() { pgrep -P "${CL_PID[$1]}" -x "dnsmesh-$2" | head -n 1 || true; }

_cl_none_left() { [ -z "$(cl_procs "$1")" ]; }

# cl_kill9 I: kill -9 node I's dnsmeshd; its services follow (PDEATHSIG).
cl_kill9()
{
	local i=$1
	kill -KILL "${CL_PID[i]}"
	wait "${CL_PID[i]}" 2>/dev/null || true
	CL_PID[i]=
	cl_wait_for 15 "node $i's services to exit" _cl_none_left "$i"
}

cl_stop()
{
	local i=$1 k rc=0
	[ -n "${CL_PID[i]:-}" ] || return 0
	kill -TERM "${CL_PID[i]}"
	for ((k = 0; k < 300; k++)); do
		kill -0 "${CL_PID[i]}" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "${CL_PID[i]}" 2>/dev/null && cl_fail "node $i: dnsmeshd did not exit within 15 s"
	wait "${CL_PID[i]}" || rc=$?
	CL_PID[i]=
	[ "$rc" -eq 0 ] || cl_fail "node $i: dnsmeshd exited with status $rc"
}

_cl_sanitizer_clean()
{
	local i
	for ((i = 1; i <= CL_N; i++)); do
		if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$(cl_log "$i")"; then
			grep -nE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$(cl_log "$i")" |
				head >&2
			return 1
		fi
	done
}

_cl_cleanup()
{
	local rc=$? i p
	set +e
	[ "$CL_FAILED" -ne 0 ] && rc=1
	for ((i = 1; i <= CL_N; i++)); do
		if [ -n "${CL_PID[i]:-}" ]; then
			kill -TERM "${CL_PID[i]}" 2>/dev/null
			for ((p = 0; p < 200; p++)); do
				kill -0 "${CL_PID[i]}" 2>/dev/null || break
				sleep 0.05
			done
			kill -KILL "${CL_PID[i]}" 2>/dev/null
			wait "${CL_PID[i]}" 2>/dev/null
		fi
		for p in $(cl_procs "$i"); do kill -KILL "$p" 2>/dev/null; done
		[ -n "${CL_NOTIFY_PID[i]:-}" ] && kill "${CL_NOTIFY_PID[i]}" 2>/dev/null
	done
	for p in ${CL_EXTRA_PIDS:-}; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	if [ "$rc" -eq 0 ] && ! _cl_sanitizer_clean; then
		echo "FAIL [$DM_TEST]: sanitizer report in a node's log" >&2
		rc=1
	fi
	if [ "$rc" -ne 0 ]; then
		for ((i = 1; i <= CL_N; i++)); do
			echo "===== node $i: $(cl_log "$i") (last 60 lines)" >&2
			tail -n 60 "$(cl_log "$i")" >&2
		done
		echo "FAIL $DM_TEST (files kept in $T)" >&2
	else
		echo "PASS $DM_TEST"
		rm -rf "$T"
	fi
	exit "$rc"
}
trap _cl_cleanup EXIT
trap 'exit 1' INT TERM

# cl_write I NAME VALUE [TTL]: publish through node I's HTTP API (open mode).
cl_write()
{
	local i=$1 name=$2 value=$3 ttl=${4:-3600} code
	code=$(curl -s -o /dev/null -w '%{http_code}' -X POST \
		-H 'Content-Type: application/json' \
		--data "{\"value\": \"$value\", \"ttl\": $ttl}" \
		"http://127.0.0.1:${CL_HTTP[i]}/v1/records/$name")
	[ "$code" = 201 ] || cl_fail "node $i: publishing $name answered $code"
}

# cl_delete I NAME VALUE: delete one value through node I's HTTP API.
cl_delete()
{
	local i=$1 name=$2 value=$3 code
	code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE \
		-H 'Content-Type: application/json' --data "{\"value\": \"$value\"}" \
		"http://127.0.0.1:${CL_HTTP[i]}/v1/records/$name")
	[ "$code" = 204 ] || cl_fail "node $i: deleting $name answered $code"
}

# The TXT strings node I's DNS answers for NAME (one per line, unquoted).
cl_txt()
{
	dig +norec +time=1 +tries=1 -p "${CL_DNS[$1]}" @127.0.0.1 +short "$2" TXT 2>/dev/null |
		sed 's/^"//; s/"$//; s/" "//g' || true
}

cl_has_txt() { cl_txt "$1" "$2" | grep -qxF -- "$3"; }
cl_lacks_txt() { ! cl_has_txt "$@"; }

# cl_wait_txt I NAME VALUE SECONDS
cl_wait_txt() { cl_wait_for "$4" "node $1 to answer $2 with $3" cl_has_txt "$1" "$2" "$3"; }
cl_wait_gone() { cl_wait_for "$4" "node $1 to stop answering $2 with $3" cl_lacks_txt "$1" "$2" "$3"; }

# Milliseconds since the epoch.
cl_now_ms() { date +%s%3N; }

# The sync summary of node I (our endpoint), as JSON.
cl_summary()
{
	curl -s -H "Authorization: Bearer $CL_TOKEN" "http://127.0.0.1:${CL_HTTP[$1]}/v1/sync/summary"
}
