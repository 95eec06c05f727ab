# Integration harness for the node: sourced by t_*.sh (CTest sets DM_BIN,
# DM_SRC, DM_VECTORS_DIR). It starts dnsmeshd the way a user does (the
# environment, plus an optional -c file) with the harness's own NOTIFY_SOCKET
# and waits for READY=1 (never a fixed sleep), and stops it from a trap with
# TERM then KILL, failing on an unclean exit, on a service left running, or
# on any sanitizer report in the log.
#
# Who runs dnsmeshd: by default the harness's own user. In CI that is root,
# which is the privilege-separated path (each service under its own user; the
# harness creates the users if missing). A test that sets DM_AS_USER=nobody
# before dm_start exercises the unprivileged path instead: dnsmeshd runs under
# setpriv as that user and every service runs as that user too. Not root:
# everything runs as the current user and DM_AS_USER is ignored.
set -euo pipefail

: "${DM_BIN:?DM_BIN must point at the bin directory of a build}"
DM_SRC=${DM_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
DM_IT=$DM_SRC/tests/integration
DM_TEST=$(basename "$0" .sh)
for tool in python3 dig; do
	command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done

# A hermetic environment: nothing from the caller's DMP_* or systemd state.
while read -r v; do unset "$v"; done < <(compgen -e | grep -E '^(DMP_|NOTIFY_SOCKET|LISTEN_|WATCHDOG_)' || true)

T=$(mktemp -d "${TMPDIR:-/tmp}/dm-$DM_TEST.XXXXXX")
chmod 755 "$T" # service users must reach $T/var
DM_IS_ROOT=0
[ "$(id -u)" -eq 0 ] && DM_IS_ROOT=1
DM_AS_USER=${DM_AS_USER:-}
SUP_PID=
NOTIFY_PID=
SUP_LOG=$T/dnsmeshd.log
NOTIFY_LOG=$T/notify.log
DM_STEP=
DM_FAILED=0
: >"$SUP_LOG"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

ports=$(python3 "$DM_IT/free_ports.py" 2)
DNS_PORT=$(sed -n 1p <<<"$ports")
HTTP_PORT=$(sed -n 2p <<<"$ports")
export DMP_DNS_HOST=127.0.0.1 DMP_DNS_PORT=$DNS_PORT
export DMP_HTTP_HOST=127.0.0.1 DMP_HTTP_PORT=$HTTP_PORT
export DMP_DB_PATH=$T/var/db/dmp.db DMP_RUN_DIR=$T/var/run
STORE_SOCK=$DMP_RUN_DIR/store.sock

dm_step() { DM_STEP=$*; echo "--- $DM_STEP"; }

dm_dump_logs()
{
	echo "===== $SUP_LOG (last 100 lines)" >&2
	tail -n 100 "$SUP_LOG" >&2 || true
	if [ -f "$NOTIFY_LOG" ]; then
		echo "===== notifications" >&2
		tail -n 20 "$NOTIFY_LOG" >&2 || true
	fi
}

dm_fail()
{
	echo "FAIL [$DM_TEST${DM_STEP:+: $DM_STEP}]: $*" >&2
	DM_FAILED=1
	exit 1
}

dm_expect_eq() { [ "$2" = "$3" ] || dm_fail "$1: got '$2', want '$3'"; }

# dm_wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 50 ms.
dm_wait_for()
{
	local secs=$1 what=$2 i
	shift 2
	for ((i = 0; i < secs * 20; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	dm_fail "timed out after ${secs} s waiting for $what"
}

# Line counts, to wait for something that happens after a given moment.
dm_log_mark() { wc -l <"$SUP_LOG"; }
dm_notify_mark() { wc -l <"$NOTIFY_LOG"; }
_after_has() { tail -n +"$(($2 + 1))" "$1" | grep -qE -- "$3"; }
# dm_wait_log MARK ERE [SECONDS]: a dnsmeshd log line after MARK matches ERE.
dm_wait_log() { dm_wait_for "${3:-20}" "log line /$2/" _after_has "$SUP_LOG" "$1" "$2"; }
dm_wait_notify() { dm_wait_for "${3:-20}" "notification /$2/" _after_has "$NOTIFY_LOG" "$1" "$2"; }

dm_ensure_users() { [ "$DM_IS_ROOT" -eq 1 ] && "$DM_SRC/scripts/create-service-users.sh"; return 0; }

_sup_alive() { [ -n "$SUP_PID" ] && kill -0 "$SUP_PID" 2>/dev/null; }

# The pid of service NAME (store, dns, ...) under our dnsmeshd, or nothing.
dm_pid() { pgrep -P "$SUP_PID" -x "dnsmesh-$1" | head -n 1 || true; }

# Every process started from our binaries for this test's run dir: what must
# be gone once dnsmeshd has stopped (our dnsmesh-node-admin calls are done).
dm_our_procs()
{
	local p exe
	for p in /proc/[0-9]*; do
		exe=$(readlink "$p/exe" 2>/dev/null) || continue
		case "$exe" in "$DM_BIN"/*) ;; *) continue ;; esac
		tr '\0' '\n' <"$p/environ" 2>/dev/null | grep -qxF "DMP_RUN_DIR=$DMP_RUN_DIR" &&
			echo "${p#/proc/}"
	done
	return 0
}

# dm_start [dnsmeshd arguments]: starts dnsmeshd and waits for READY=1.
dm_start()
{
	local -a run=()
	mkdir -p "$T/var"
	if [ "$DM_IS_ROOT" -eq 1 ] && [ -n "$DM_AS_USER" ]; then
		chown -R "$DM_AS_USER" "$T/var"
		run=(setpriv --reuid="$DM_AS_USER" --regid="$(id -g "$DM_AS_USER")" --clear-groups)
	elif [ "$DM_IS_ROOT" -eq 1 ]; then
		dm_ensure_users
	fi
	if [ -z "$NOTIFY_PID" ]; then
		: >"$NOTIFY_LOG"
		python3 "$DM_IT/notify_listen.py" "$T/notify.sock" "$NOTIFY_LOG" &
		NOTIFY_PID=$!
		dm_wait_for 10 "the notify listener" grep -q LISTENING "$NOTIFY_LOG"
	fi
	local mark
	mark=$(dm_notify_mark)
	NOTIFY_SOCKET=$T/notify.sock "${run[@]}" "$DM_BIN/dnsmeshd" "$@" 2>>"$SUP_LOG" &
	SUP_PID=$!
	local i
	for ((i = 0; i < 60 * 20; i++)); do
		_after_has "$NOTIFY_LOG" "$mark" '(^| )READY=1' && return 0
		_sup_alive || { wait "$SUP_PID" || true; SUP_PID=; dm_fail "dnsmeshd exited during start-up"; }
		sleep 0.05
	done
	dm_fail "no READY=1 from dnsmeshd within 60 s"
}

_sanitizer_check()
{
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:|UndefinedBehaviorSanitizer' \
		"$SUP_LOG"; then
		grep -nE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$SUP_LOG" | head >&2
		return 1
	fi
}

# dm_stop: SIGTERM, then exit 0 within 15 s, no service left behind, no
# sanitizer report. Fails the test otherwise.
dm_stop()
{
	[ -n "$SUP_PID" ] || return 0
	local i rc=0 left
	kill -TERM "$SUP_PID"
	for ((i = 0; i < 300; i++)); do
		_sup_alive || break
		sleep 0.05
	done
	if _sup_alive; then
		kill -KILL "$SUP_PID"
		wait "$SUP_PID" || true
		SUP_PID=
		dm_fail "dnsmeshd did not exit within 15 s of SIGTERM"
	fi
	wait "$SUP_PID" || rc=$?
	SUP_PID=
	[ "$rc" -eq 0 ] || dm_fail "dnsmeshd exited with status $rc after SIGTERM"
	left=$(dm_our_procs)
	[ -z "$left" ] || dm_fail "services still running after dnsmeshd stopped: $left"
	_sanitizer_check || dm_fail "sanitizer report in the log"
}

_dm_cleanup()
{
	local rc=$? p
	set +e
	[ "$DM_FAILED" -ne 0 ] && rc=1
	if _sup_alive; then
		kill -TERM "$SUP_PID" 2>/dev/null || true
		for ((p = 0; p < 200; p++)); do _sup_alive || break; sleep 0.05; done
		_sup_alive && kill -KILL "$SUP_PID" 2>/dev/null
		wait "$SUP_PID" 2>/dev/null || true
	fi
	for p in $(dm_our_procs); do kill -KILL "$p" 2>/dev/null || true; done
	if [ -n "$NOTIFY_PID" ]; then
		kill "$NOTIFY_PID" 2>/dev/null
		wait "$NOTIFY_PID" 2>/dev/null
	fi
	if [ "$rc" -eq 0 ] && ! _sanitizer_check; then
		echo "FAIL [$DM_TEST]: sanitizer report in the log" >&2
		rc=1
	fi
	if [ "$rc" -ne 0 ]; then
		dm_dump_logs
		echo "FAIL $DM_TEST (files kept in $T)" >&2
	else
		echo "PASS $DM_TEST"
		rm -rf "$T"
	fi
	exit "$rc"
}
trap _dm_cleanup EXIT
trap 'exit 1' INT TERM

dm_admin() { "$DM_BIN/dnsmesh-node-admin" "$@"; }

# dm_dig [dig options] NAME [TYPE]: one try, 2 s, at our DNS port.
dm_dig() { dig +norec +time=2 +tries=1 -p "$DNS_PORT" @127.0.0.1 "$@"; }

# The TXT strings of NAME, or nothing (UDP unless +tcp is given).
dm_txt() { dm_dig +short "$@" TXT 2>/dev/null || true; }
