#!/usr/bin/env bash
# Hostile IPC: garbage frames on store.sock (oversized, zero and cut-off
# lengths, bytes that are not protobuf, missing required fields, no Hello,
# wrong versions, an unknown role, bodies the claimed role may not send).
# The store must close each such connection, log it, and keep serving the
# others, without restarting.
#
# This test also covers dnsmeshd's unprivileged path: run as root (CI), it
# starts dnsmeshd as `nobody` (DM_AS_USER), so dnsmeshd and every service run
# as that one user and no privilege drop happens.
DM_AS_USER=nobody
. "$(dirname "$0")/lib.sh"

dm_step "start"
dm_start
store=$(dm_pid store)
if [ "$DM_IS_ROOT" -eq 1 ]; then
	dm_expect_eq "dnsmeshd user" "$(ps -o user= -p "$SUP_PID")" nobody
	dm_expect_eq "store user" "$(ps -o user= -p "$store")" nobody
	dm_expect_eq "dns user" "$(ps -o user= -p "$(dm_pid dns)")" nobody
	dm_expect_eq "store.sock" "$(stat -c '%U %a' "$STORE_SOCK")" "nobody 600"
fi
dm_admin put before.mesh.test ok 600 >/dev/null || dm_fail "put"

dm_step "malformed and forbidden frames"
mark=$(dm_log_mark)
python3 "$DM_IT/ipc.py" hostile --socket "$STORE_SOCK" || dm_fail "see the cases above"

dm_step "each one was logged by the store, which never restarted"
dm_expect_eq "store pid" "$(dm_pid store)" "$store"
for what in 'frame length out of range' 'frame does not unpack' 'first frame is not Hello' \
	'IPC version mismatch' 'wrong envelope version' 'may not act as unknown' \
	'body 20 not permitted' 'body 30 not permitted' 'body 0 not permitted'; do
	tail -n +"$((mark + 1))" "$SUP_LOG" | grep -q "store: ipc: .*$what" ||
		dm_fail "no store log line for: $what"
done
n=$(tail -n +"$((mark + 1))" "$SUP_LOG" | grep -c 'store: ipc:')
[ "$n" -ge 13 ] || dm_fail "$n store log lines for 13 rejected connections"
grep -q 'store (pid' "$SUP_LOG" && dm_fail "the store died: $(grep 'store (pid' "$SUP_LOG")"

dm_step "the store still serves the real tools, and DNS still answers"
dm_admin put after.mesh.test ok 600 >/dev/null || dm_fail "put after the garbage"
dm_expect_eq "get" "$(dm_admin get before.mesh.test)" ok
_has() { dm_txt "$2" | grep -q "$1"; }
dm_wait_for 10 "after.mesh.test over DNS" _has ok after.mesh.test

dm_step "stop"
dm_stop
