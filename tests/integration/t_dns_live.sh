#!/usr/bin/env bash
# The frontend follows the store: SERVFAIL before any data, live puts and
# deletes, cached answers while the store is down (kill -9), and a fresh
# snapshot swapped in whole when the store is back.
. "$(dirname "$0")/lib_dns.sh"

# Starts notify_wait.py on $T/notify in the background; its output goes to $T/notify.out.
listen_notify()
{
	rm -f "$T/notify.out" "$T/notify"
	python3 "$DM_SRC/tests/integration/notify_wait.py" "$T/notify" 15 >"$T/notify.out" &
	NOTIFY_PID=$!
	wait_for "the notify socket" test -S "$T/notify"
}

step "frontend first, store unreachable: ready after the grace period, SERVFAIL"
listen_notify
started=$(date +%s%N)
start_dns DMP_DNS_TTL=60 NOTIFY_SOCKET="$T/notify"
wait_for "SERVFAIL without a store" rcode_is SERVFAIL +time=1 a.example TXT
wait "$NOTIFY_PID" || fail "no READY=1 without a store"
took=$((($(date +%s%N) - started) / 1000000))
grep -q 'READY=1 STATUS=store unreachable' "$T/notify.out" || fail "status: $(cat "$T/notify.out")"
[ "$took" -ge 2500 ] || fail "READY=1 after $took ms, before the grace period"

step "store comes up: the frontend loads it"
start_store
wait_dns

step "with the store up, READY=1 comes once the snapshot is loaded"
stop_dns
listen_notify
start_dns DMP_DNS_TTL=60 NOTIFY_SOCKET="$T/notify"
wait "$NOTIFY_PID" || fail "no READY=1"
grep -q 'READY=1 STATUS=serving' "$T/notify.out" || fail "status: $(cat "$T/notify.out")"
expect_eq "answering at READY" "$(rcode nothing.example TXT)" NXDOMAIN

step "live put, refresh, delete"
put live.example 'first' 600
wait_for "the first value" rcode_is NOERROR live.example TXT
expect_eq "value" "$(q +short live.example TXT)" '"first"'
put live.example 'second' 600
wait_for "two values" test "$(q +short live.example TXT | wc -l)" -eq 2
expect_eq "store order" "$(q +short live.example TXT | tr '\n' ' ')" '"first" "second" '
put live.example 'first' 600 # a refresh moves it last, as the store orders it
wait_for "refresh order" test "$(q +short live.example TXT | head -n1)" = '"second"'
admin delete live.example second >/dev/null || fail "delete one value"
wait_for "one value left" test "$(q +short live.example TXT)" = '"first"'
admin delete live.example >/dev/null || fail "delete the name"
wait_for "name gone" rcode_is NXDOMAIN live.example TXT

step "200 values loaded"
for i in $(seq 1 200); do
	printf 'n%03d.bulk.example\t3600\tv=dmp1;t=chunk;d=%064d\n' "$i" "$i"
done >"$T/bulk.tsv"
admin load "$T/bulk.tsv" >/dev/null || fail "load"
put gone.example 'deleted while the store was down' 3600
wait_for "the last value" rcode_is NOERROR gone.example TXT
wait_for "the bulk values" rcode_is NOERROR n200.bulk.example TXT

check_cached()
{
	local i name
	for i in 1 57 123 200; do
		name=$(printf 'n%03d.bulk.example' "$i")
		expect_eq "$name" "$(q +short "$name" TXT)" "\"$(printf 'v=dmp1;t=chunk;d=%064d' "$i")\""
	done
}

step "kill -9 the store: cached answers keep coming"
crash_store
for _ in 1 2 3 4 5; do
	check_cached
	expect_eq "over TCP" "$(q +tcp +short n042.bulk.example TXT | wc -l)" 1
	sleep 0.3
done
admin put x.example y 60 >/dev/null 2>&1 && fail "a put succeeded with the store down"
# The store's data changes while it is down (as another replica's restore
# would): the next snapshot must replace the cached table whole.
if command -v sqlite3 >/dev/null; then
	sqlite3 "$DMP_DB_PATH" "DELETE FROM records WHERE name = 'gone.example'" ||
		fail "sqlite3 delete"
fi

step "store back: a new snapshot is swapped in, updates flow again"
start_store
( # Meanwhile DNS never stops answering the cached data.
	for _ in $(seq 1 20); do
		r=$(rcode n100.bulk.example TXT)
		[ "$r" = NOERROR ] || { echo "answered $r during the store restart"; exit 1; }
		sleep 0.05
	done
) || fail "cached data not served during the restart"
put after.example 'after the restart' 600
wait_for "a put after the restart" rcode_is NOERROR after.example TXT
check_cached
if command -v sqlite3 >/dev/null; then
	wait_for "the snapshot without gone.example" rcode_is NXDOMAIN gone.example TXT
fi

step "SIGTERM stops it cleanly"
stop_dns
