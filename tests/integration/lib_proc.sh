# Sourced by lib_dns.sh and lib_https.sh: stopping the services a test
# started directly (HTTPS_PID, DNS_PID, STORE_PID; empty ones are skipped),
# failing on an unclean exit or any sanitizer report, and the EXIT trap.
# Needs T (the test's temp dir), TEST_NAME and FAILED from the sourcing lib.

# stop_pid PID NAME: TERM, wait up to 10 s, then KILL. Fails on a non-zero exit.
stop_pid()
{
	local pid=$1 name=$2 i rc
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		echo "FAIL [$TEST_NAME]: $name did not stop on SIGTERM" >&2
		return 1
	fi
	wait "$pid"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "FAIL [$TEST_NAME]: $name exited $rc after SIGTERM" >&2
		return 1
	fi
	return 0
}

cleanup()
{
	local rc=$? bad=0
	[ "$FAILED" -ne 0 ] && rc=1
	if [ -n "$HTTPS_PID" ]; then stop_pid "$HTTPS_PID" dnsmesh-https || bad=1; fi
	if [ -n "$DNS_PID" ]; then stop_pid "$DNS_PID" dnsmesh-dns || bad=1; fi
	if [ -n "$STORE_PID" ]; then stop_pid "$STORE_PID" dnsmesh-store || bad=1; fi
	if grep -l -E 'AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer' \
		"$T"/*.log 2>/dev/null; then
		echo "FAIL [$TEST_NAME]: sanitizer report in the logs above" >&2
		bad=1
	fi
	[ "$bad" -ne 0 ] && rc=1
	if [ "$rc" -ne 0 ]; then
		for f in "$T"/*.log; do
			[ -f "$f" ] || continue
			echo "===== $f (last 60 lines)" >&2
			tail -n 60 "$f" >&2
		done
	else
		echo "PASS $TEST_NAME"
	fi
	rm -rf "$T"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
