#!/usr/bin/env bash
# dnsmeshd: configuration (-n, -c, exit 78 with one line), readiness,
# privilege separation (as root), kill -9 of each service while the others
# keep answering, the watchdog catching a hung service, SIGHUP, SIGTERM with
# no orphans, and services following a supervisor that was killed.
. "$(dirname "$0")/lib.sh"
D=$DM_BIN/dnsmeshd
export DMP_WATCHDOG_SEC=3

dm_step "-n merges the environment over the -c file and round-trips"
cat >"$T/node.env" <<EOT
# comment
DMP_DNS_TTL=120
DMP_DNS_RATE="10"
export DMP_SERVED_ZONE=Mesh.Test.
EOT
out=$(DMP_DNS_RATE=20 "$D" -c "$T/node.env" -n)
grep -qx 'DMP_DNS_TTL=120' <<<"$out" || dm_fail "file value missing: $out"
grep -qx 'DMP_DNS_RATE=20' <<<"$out" || dm_fail "environment must win over the file"
grep -qx 'DMP_SERVED_ZONE=mesh.test' <<<"$out" || dm_fail "zone not normalised"
grep -qx "DMP_DNS_PORT=$DNS_PORT" <<<"$out" || dm_fail "port from the environment missing"
grep -q '^# services: store dns' <<<"$out" || dm_fail "services line missing"
printf '%s\n' "$out" >"$T/normalised.env"
again=$(env -i PATH="$PATH" "$D" -c "$T/normalised.env" -n)
dm_expect_eq "-n output fed back through -c" "$again" "$out"
[ ! -e "$T/var" ] || dm_fail "-n must not create anything"
dm_expect_eq "--version" "$("$D" --version)" "dnsmeshd $("$D" --version | awk '{print $2}')"

dm_step "a bad setting stops start-up: exit 78 and one line naming it"
bad_config()
{
	local want=$1 rc=0 err
	shift
	err=$(env "$@" 2>&1 >/dev/null) || rc=$?
	dm_expect_eq "exit status for $*" "$rc" 78
	dm_expect_eq "stderr lines for $*" "$(wc -l <<<"$err")" 1
	grep -q -- "$want" <<<"$err" || dm_fail "'$err' does not name $want"
}
bad_config DMP_DNS_PORT DMP_DNS_PORT=99999 "$D"
bad_config DMP_DNS_TTL DMP_DNS_TTL=soon "$D"
bad_config DMP_DB_SYNC DMP_DB_SYNC=sometimes "$D"
bad_config DMP_LOG_LEVEL DMP_LOG_LEVEL=LOUD "$D"
bad_config DMP_SERVED_ZONE DMP_SERVED_ZONE='bad zone!' "$D"
bad_config DMP_WATCHDOG_SEC DMP_WATCHDOG_SEC=-1 "$D"
bad_config "$T/missing.env" "$D" -c "$T/missing.env"
printf 'DMP_DNS_TTL=60\nthis is not a setting\n' >"$T/broken.env"
bad_config "broken.env:2" "$D" -c "$T/broken.env"
[ ! -e "$T/var" ] || dm_fail "a rejected configuration must not create anything"

dm_step "a setting only a service checks: dnsmeshd stops with 78 too"
rc=0
DMP_SERVED_ZONE=mesh.test DMP_DNS_APEX_A=not-an-address timeout 60 "$D" 2>"$T/apex.log" || rc=$?
dm_expect_eq "exit status" "$rc" 78
grep -q 'DMP_DNS_APEX_A' "$T/apex.log" || dm_fail "the service's reason is not logged"
grep -q 'rejected the configuration' "$T/apex.log" || dm_fail "dnsmeshd does not say why it stopped"
rm -rf "$T/var"

dm_step "start: READY=1 once every service is ready"
printf 'DMP_DNS_TTL=60\n' >"$T/node.env"
dm_start -c "$T/node.env"
store=$(dm_pid store)
dns=$(dm_pid dns)
[ -n "$store" ] && [ -n "$dns" ] || dm_fail "store ($store) or dns ($dns) not running"
grep -q 'node ready: store ready, dns ready' "$SUP_LOG" || dm_fail "no 'node ready' line"
grep -qE 'READY=1 \| STATUS=store ready, dns ready' "$NOTIFY_LOG" ||
	dm_fail "READY=1 without the status of each service"
for svc in store dns; do
	p=$(dm_pid $svc)
	dm_expect_eq "$svc NoNewPrivs" "$(awk '/^NoNewPrivs/ {print $2}' /proc/$p/status)" 1
done
dm_expect_eq "store gets its socket as fd 3" \
	"$(tr '\0' '\n' </proc/$store/environ | grep -E '^LISTEN_FDNAMES=')" "LISTEN_FDNAMES=store"
dm_expect_eq "dns gets two sockets" \
	"$(tr '\0' '\n' </proc/$dns/environ | grep -E '^LISTEN_FDNAMES=')" \
	"LISTEN_FDNAMES=dns-udp:dns-tcp"

if [ "$DM_IS_ROOT" -eq 1 ]; then
	dm_step "as root: each service under its own user, directories handed over"
	dm_expect_eq "store user" "$(ps -o user= -p "$store")" dnsmesh-store
	dm_expect_eq "dns user" "$(ps -o user= -p "$dns")" dnsmesh-dns
	dm_expect_eq "store groups" "$(awk '/^Groups:/ {print $2}' /proc/$store/status)" \
		"$(getent group dnsmesh | cut -d: -f3)"
	dm_expect_eq "dnsmeshd stays root" "$(ps -o user= -p "$SUP_PID")" root
	dm_expect_eq "run dir" "$(stat -c '%U:%G %a' "$DMP_RUN_DIR")" "root:dnsmesh 750"
	dm_expect_eq "store.sock" "$(stat -c '%U:%G %a' "$STORE_SOCK")" "root:dnsmesh 660"
	dm_expect_eq "db dir" "$(stat -c '%U %a' "$(dirname "$DMP_DB_PATH")")" "dnsmesh-store 700"
	dm_expect_eq "db file" "$(stat -c '%U' "$DMP_DB_PATH")" dnsmesh-store
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$DM_BIN/dnsmesh-node-admin" stats >/dev/null 2>&1 &&
		dm_fail "an unrelated user could talk to the store"
fi

dm_step "records go in through the store and out through DNS (UDP and TCP)"
dm_admin put one.mesh.test 'value-one' 600 >/dev/null || dm_fail "put"
dm_wait_for 10 "one.mesh.test over DNS" grep -q value-one <(dm_txt one.mesh.test)
_has() { dm_txt "${@:2}" | grep -q -- "$1"; }
dm_wait_for 10 "one.mesh.test over UDP" _has value-one one.mesh.test
dm_wait_for 10 "one.mesh.test over TCP" _has value-one +tcp one.mesh.test

dm_step "kill -9 the store: DNS keeps answering, the store comes back and takes writes"
mark=$(dm_log_mark)
nmark=$(dm_notify_mark)
kill -KILL "$store"
_has value-one one.mesh.test || dm_fail "DNS stopped answering with the store down"
_has value-one +tcp one.mesh.test || dm_fail "DNS over TCP stopped answering with the store down"
dm_wait_log "$mark" "store \\(pid $store\\) killed by signal 9"
dm_wait_log "$mark" 'store ready \(pid [0-9]+\)'
new=$(dm_pid store)
[ -n "$new" ] && [ "$new" != "$store" ] || dm_fail "no new store pid (old $store, now '$new')"
grep -qE "store ready \\(pid $new\\)" "$SUP_LOG" || dm_fail "new store $new never ready"
dm_wait_notify "$nmark" 'STATUS=store ready, dns ready'
dm_expect_eq "dns untouched" "$(dm_pid dns)" "$dns"
store=$new
dm_admin put two.mesh.test 'value-two' 600 >/dev/null || dm_fail "put after the store restart"
dm_expect_eq "get after restart" "$(dm_admin get one.mesh.test)" value-one
dm_wait_for 10 "two.mesh.test over DNS (feed resubscribed)" _has value-two two.mesh.test

dm_step "kill -9 dns: the store keeps serving, dns comes back with everything"
mark=$(dm_log_mark)
kill -KILL "$dns"
dm_admin put three.mesh.test 'value-three' 600 >/dev/null || dm_fail "put with dns down"
dm_expect_eq "get with dns down" "$(dm_admin get three.mesh.test)" value-three
dm_wait_log "$mark" 'dns ready \(pid [0-9]+\)'
new=$(dm_pid dns)
[ -n "$new" ] && [ "$new" != "$dns" ] || dm_fail "no new dns pid"
dns=$new
dm_expect_eq "store untouched" "$(dm_pid store)" "$store"
dm_wait_for 10 "three.mesh.test over DNS" _has value-three three.mesh.test
_has value-one +tcp one.mesh.test || dm_fail "old record lost by the new dns"

dm_step "a hung service (SIGSTOP) misses its watchdog and is replaced"
mark=$(dm_log_mark)
kill -STOP "$store"
dm_wait_log "$mark" "store \\(pid $store\\) sent no WATCHDOG=1" 15
dm_wait_log "$mark" 'store ready \(pid [0-9]+\)' 15
new=$(dm_pid store)
[ -n "$new" ] && [ "$new" != "$store" ] || dm_fail "hung store not replaced"
store=$new
_has value-two two.mesh.test || dm_fail "DNS stopped answering"
dm_admin put four.mesh.test 'value-four' 600 >/dev/null || dm_fail "put after the watchdog restart"

dm_step "SIGHUP re-reads and validates the configuration"
mark=$(dm_log_mark)
printf 'DMP_DNS_TTL=300\n' >"$T/node.env"
kill -HUP "$SUP_PID"
dm_wait_log "$mark" 'SIGHUP: configuration valid; changed: DMP_DNS_TTL'
printf 'DMP_DNS_TTL=forever\n' >"$T/node.env"
kill -HUP "$SUP_PID"
dm_wait_log "$mark" 'SIGHUP: configuration: DMP_DNS_TTL=forever.*keeping the running one'
kill -0 "$SUP_PID" || dm_fail "dnsmeshd died on a bad reload"
dm_expect_eq "services untouched by SIGHUP" "$(dm_pid store) $(dm_pid dns)" "$store $dns"
printf 'DMP_DNS_TTL=60\n' >"$T/node.env"

dm_step "SIGTERM stops everything cleanly, no orphans"
nmark=$(dm_notify_mark)
dm_stop
grep -q 'all services stopped' "$SUP_LOG" || dm_fail "no shutdown line"
_after_has "$NOTIFY_LOG" "$nmark" 'STOPPING=1' || dm_fail "no STOPPING=1"

dm_step "restart on the same directories; kill -9 dnsmeshd: the services follow it"
dm_start -c "$T/node.env"
dm_expect_eq "records survive a restart" "$(dm_admin get four.mesh.test)" value-four
dm_wait_for 10 "DNS after restart" _has value-one one.mesh.test
kill -KILL "$SUP_PID"
wait "$SUP_PID" 2>/dev/null || true
SUP_PID=
_gone() { [ -z "$(dm_our_procs)" ]; }
dm_wait_for 10 "services to exit after their supervisor died" _gone
