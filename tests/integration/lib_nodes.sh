# Several dnsmeshd nodes on loopback in one test (sourced after lib.sh, whose
# helpers and temp dir it uses). Node I lives in $T/nI with its own database,
# run directory, ports (NODE_HTTP[I], NODE_DNS[I]), notify socket and log
# ($T/nI/log); node_start waits for its READY=1. On exit every node is
# stopped (TERM, then KILL) and its log checked for sanitizer reports, then
# lib.sh's own clean-up runs.
declare -A NODE_PID NODE_HTTP NODE_DNS NODE_NL

# node_init I: picks ports for node I.
node_init()
{
	local i=$1 p
	p=$(python3 "$DM_IT/free_ports.py" 2)
	NODE_DNS[$i]=$(sed -n 1p <<<"$p")
	NODE_HTTP[$i]=$(sed -n 2p <<<"$p")
	mkdir -p "$T/n$i/var"
}

# node_start I [VAR=VALUE...]: starts node I with extra environment.
node_start()
{
	local i=$1 d=$T/n$1 mark k
	shift
	[ "$DM_IS_ROOT" -eq 1 ] && dm_ensure_users
	if [ -z "${NODE_NL[$i]:-}" ]; then
		: >"$d/notify.log"
		python3 "$DM_IT/notify_listen.py" "$d/notify.sock" "$d/notify.log" &
		NODE_NL[$i]=$!
		dm_wait_for 10 "node $i's notify listener" grep -q LISTENING "$d/notify.log"
	fi
	mark=$(wc -l <"$d/notify.log")
	env DMP_DB_PATH="$d/var/db/dmp.db" DMP_RUN_DIR="$d/var/run" \
		DMP_DNS_HOST=127.0.0.1 DMP_DNS_PORT="${NODE_DNS[$i]}" \
		DMP_HTTP_HOST=127.0.0.1 DMP_HTTP_PORT="${NODE_HTTP[$i]}" "$@" \
		NOTIFY_SOCKET="$d/notify.sock" "$DM_BIN/dnsmeshd" 2>>"$d/log" &
	NODE_PID[$i]=$!
	for ((k = 0; k < 60 * 20; k++)); do
		_after_has "$d/notify.log" "$mark" '(^| )READY=1' && return 0
		kill -0 "${NODE_PID[$i]}" 2>/dev/null || dm_fail "node $i exited during start-up"
		sleep 0.05
	done
	dm_fail "no READY=1 from node $i within 60 s"
}

# node_pid I SERVICE: the pid of dnsmesh-SERVICE under node I's dnsmeshd
# (by executable: process names are cut at 15 characters).
node_pid()
{
	local p
	for p in $(pgrep -P "${NODE_PID[$1]}" || true); do
		[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$DM_BIN/dnsmesh-$2" ] && { echo "$p"; return 0; }
	done
	return 0
}

# node_stop I: SIGTERM; dnsmeshd must exit 0 within 15 s.
node_stop()
{
	local i=$1 k rc=0 pid=${NODE_PID[$1]:-}
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((k = 0; k < 300; k++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	kill -0 "$pid" 2>/dev/null && { kill -KILL "$pid"; dm_fail "node $i did not stop"; }
	wait "$pid" || rc=$?
	NODE_PID[$i]=
	[ "$rc" -eq 0 ] || dm_fail "node $i's dnsmeshd exited with status $rc"
}

# node_kill I: kill -9 the whole node (dnsmeshd's children die with it).
node_kill()
{
	local pid=${NODE_PID[$1]:-}
	[ -n "$pid" ] || return 0
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	NODE_PID[$1]=
	sleep 0.3
}

_nodes_cleanup()
{
	local rc=$? i k pid bad=0
	set +e
	for i in "${!NODE_PID[@]}"; do
		pid=${NODE_PID[$i]}
		[ -n "$pid" ] || continue
		kill -TERM "$pid" 2>/dev/null
		for ((k = 0; k < 200; k++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	for i in "${!NODE_NL[@]}"; do
		kill "${NODE_NL[$i]}" 2>/dev/null
		wait "${NODE_NL[$i]}" 2>/dev/null
	done
	for f in "$T"/n*/log; do
		[ -f "$f" ] || continue
		if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$f"; then
			echo "FAIL [$DM_TEST]: sanitizer report in $f" >&2
			bad=1
		fi
		if [ "$rc" -ne 0 ] || [ "$DM_FAILED" -ne 0 ] || [ "$bad" -ne 0 ]; then
			echo "===== $f (last 60 lines)" >&2
			tail -n 60 "$f" >&2
		fi
	done
	[ "$bad" -ne 0 ] && DM_FAILED=1
	(exit "$rc")
	_dm_cleanup
}
trap _nodes_cleanup EXIT
