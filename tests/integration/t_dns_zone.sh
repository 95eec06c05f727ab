#!/usr/bin/env bash
# dns-frontend with a served zone: SOA / NS / A at the apex, NXDOMAIN and
# NODATA carrying the SOA, empty non-terminals, REFUSED outside the zones.
. "$(dirname "$0")/lib_dns.sh"

start_store
start_dns DMP_SERVED_ZONE=mesh.test,Other.Zone. DMP_DNS_APEX_NS=ns1.mesh.test,ns2.example.net \
	DMP_DNS_APEX_SOA_RNAME=hostmaster@mesh.test DMP_DNS_APEX_A=192.0.2.1 \
	DMP_DNS_APEX_AAAA=2001:db8::1 DMP_DNS_TTL=30
wait_dns probe.mesh.test

put slot-3.mb-0123456789ab.mesh.test 'v=dmp1;t=manifest;d=AAAA' 600
put id-00112233aabbccdd.mesh.test 'v=dmp1;t=identity;d=BBBB' 600
put outside.example.com 'not served' 600
put www.other.zone 'other zone value' 600

step "SOA at the apex"
soa=$(q +short mesh.test SOA)
read -r mname rname serial refresh retry expire minimum <<<"$soa"
expect_eq "mname" "$mname" ns1.mesh.test.
expect_eq "rname" "$rname" hostmaster.mesh.test.
now=$(date +%s)
[ $((now - serial)) -ge 0 ] && [ $((now - serial)) -le 5 ] || fail "serial $serial is not now"
expect_eq "timers" "$refresh $retry $expire $minimum" "3600 600 604800 30"
expect_eq "AA" "$(flags MESH.test SOA)" "qr aa"

step "NS, A and AAAA at the apex"
expect_eq "NS" "$(q +short mesh.test NS | sort | tr '\n' ' ')" "ns1.mesh.test. ns2.example.net. "
expect_eq "A" "$(q +short mesh.test A)" 192.0.2.1
expect_eq "AAAA" "$(q +short mesh.test AAAA)" 2001:db8::1
expect_eq "second zone SOA" "$(q +short other.zone SOA | awk '{print $1, $2}')" \
	"ns1.mesh.test. hostmaster.mesh.test."

step "records in the zone"
expect_eq "TXT" "$(q +short SLOT-3.mb-0123456789AB.mesh.test TXT)" '"v=dmp1;t=manifest;d=AAAA"'
expect_eq "other zone TXT" "$(q +short www.other.zone TXT)" '"other zone value"'
expect_eq "apex TXT is NODATA" "$(rcode mesh.test TXT)" NOERROR

step "NXDOMAIN carries the SOA, for every type"
for type in TXT A AAAA NS SOA MX; do
	out=$(q nothing.mesh.test $type)
	grep -q 'status: NXDOMAIN' <<<"$out" || fail "$type: not NXDOMAIN"
	grep -q 'AUTHORITY: 1,' <<<"$out" || fail "$type: no SOA in authority"
	grep -E -q '^mesh\.test\.[[:space:]]+30[[:space:]]+IN[[:space:]]+SOA' <<<"$out" ||
		fail "$type: authority is not the apex SOA with the negative TTL"
done

step "NODATA carries the SOA"
out=$(q id-00112233aabbccdd.mesh.test A)
grep -q 'status: NOERROR' <<<"$out" || fail "NODATA status"
grep -q 'ANSWER: 0, AUTHORITY: 1,' <<<"$out" || fail "NODATA sections"

step "empty non-terminal: NODATA with SOA for every type, never NXDOMAIN"
for type in TXT A NS; do
	out=$(q mb-0123456789ab.mesh.test $type)
	grep -q 'status: NOERROR' <<<"$out" || fail "ENT $type: $(rcode mb-0123456789ab.mesh.test $type)"
	grep -q 'ANSWER: 0, AUTHORITY: 1,' <<<"$out" || fail "ENT $type sections"
done
expect_eq "below the ENT but missing" "$(rcode slot-4.mb-0123456789ab.mesh.test TXT)" NXDOMAIN

step "REFUSED outside the configured zones"
expect_eq "stored but outside" "$(rcode outside.example.com TXT)" REFUSED
expect_eq "parent of the zone" "$(rcode test SOA)" REFUSED
expect_eq "sibling" "$(rcode notmesh.test TXT)" REFUSED
expect_eq "root" "$(rcode . NS)" REFUSED
q outside.example.com TXT | grep -q 'flags: qr;' || fail "REFUSED is not authoritative"

step "live changes inside the zone"
put slot-4.mb-0123456789ab.mesh.test 'v=dmp1;t=manifest;d=CCCC' 600
wait_for "the new slot" rcode_is NOERROR slot-4.mb-0123456789ab.mesh.test TXT
admin delete slot-3.mb-0123456789ab.mesh.test >/dev/null || fail "delete"
wait_for "the deleted slot" rcode_is NXDOMAIN slot-3.mb-0123456789ab.mesh.test TXT
expect_eq "ENT still there" "$(rcode mb-0123456789ab.mesh.test TXT)" NOERROR
