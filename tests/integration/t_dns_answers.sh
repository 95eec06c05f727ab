#!/usr/bin/env bash
# dns-frontend answers with no zone configured (every stored name is served,
# as the reference does): case, EDNS0, truncation and TCP retry, multi-string
# TXT, TTLs, NODATA / NXDOMAIN / empty non-terminals, FORMERR / NOTIMP,
# the configuration check, DMP_DNS_UDP_MAX, inherited sockets and wildcard
# or IPv6 binds.
. "$(dirname "$0")/lib_dns.sh"

start_store
start_dns DMP_DNS_TTL=60
wait_dns

step "case-insensitive lookup echoing the query's case"
put mixed.example.org 'v=dmp1;t=chunk;d=AAAA' 600
put Upper.Example.ORG 'upper-value' 600
got=$(q +noall +answer MiXeD.ExAmPlE.oRg TXT)
expect_eq "owner as asked" "$(awk '{print $1}' <<<"$got")" "MiXeD.ExAmPlE.oRg."
expect_eq "value" "$(awk '{print $5}' <<<"$got")" '"v=dmp1;t=chunk;d=AAAA"'
expect_eq "stored upper-case, asked lower-case" "$(q +short upper.example.org TXT)" \
	'"upper-value"'
expect_eq "flags" "$(flags mixed.example.org TXT)" "qr aa"
expect_eq "RD copied" "$(flags +rec mixed.example.org TXT)" "qr aa rd"

step "EDNS0: advertised size, OPT only when asked"
q +bufsize=4096 mixed.example.org TXT | grep -q '; EDNS: version: 0, flags:; udp: 1232' ||
	fail "OPT with udp 1232 missing"
q +noedns mixed.example.org TXT | grep -q 'OPT PSEUDOSECTION' && fail "OPT without EDNS query"
expect_eq "EDNS version 1" "$(rcode +edns=1 +noednsnegotiation mixed.example.org TXT)" BADVERS

step "multi-string TXT: a 600-byte value is 255 + 255 + 90"
long=$(python3 -c "print(''.join(chr(97 + i % 26) for i in range(600)))")
put multi.example.org "$long" 600
got=$(q +short multi.example.org TXT)
expect_eq "three strings" "$(grep -o '" "' <<<"$got" | wc -l)" 2
expect_eq "first string" "$(awk -F'"' '{print length($2)}' <<<"$got")" 255
expect_eq "concatenated" "$(tr -d '" ' <<<"$got")" "$long"

step "TC=1 over UDP, the whole RRset over TCP (20 x 200-byte values)"
for i in $(seq -w 1 20); do
	printf 'big.example.org\t600\tv=dmp1;t=prekey;d=%s%s\n' "$i" \
		"$(python3 -c "print('Q' * 180)")"
done >"$T/big.tsv"
admin load "$T/big.tsv" >/dev/null || fail "load"
f=$(flags +ignore +bufsize=1232 big.example.org TXT)
expect_eq "UDP flags" "$f" "qr aa tc"
udp=$(q +ignore +bufsize=1232 big.example.org TXT)
grep -q 'ANSWER: 0,' <<<"$udp" || fail "a truncated answer carries no partial records"
grep -qi 'malformed\|parse' <<<"$udp" && fail "truncated answer does not parse"
got=$(q +tcp +short big.example.org TXT | sort)
expect_eq "TCP answers" "$(wc -l <<<"$got")" 20
want=$(cut -f3 "$T/big.tsv" | sed 's/.*/"&"/' | sort)
expect_eq "TCP values" "$got" "$want"
# dig retries over TCP by itself after TC=1, as resolvers do.
expect_eq "TC then TCP" "$(q +short big.example.org TXT | wc -l)" 20
expect_eq "no EDNS: 512-byte limit" "$(flags +noedns +ignore multi.example.org TXT)" "qr aa tc"

step "TTL = min(remaining lifetime, DMP_DNS_TTL)"
put short.example.org 'short-lived' 30
put long.example.org 'long-lived' 3600
ttl=$(q +noall +answer short.example.org TXT | awk '{print $2}')
[ "$ttl" -le 30 ] && [ "$ttl" -ge 25 ] || fail "short ttl $ttl not in 25..30"
expect_eq "long ttl" "$(q +noall +answer long.example.org TXT | awk '{print $2}')" 60

step "an expired value disappears"
put expiring.example.org 'gone-soon' 1
wait_for "expiry" rcode_is NXDOMAIN expiring.example.org TXT

step "NODATA vs NXDOMAIN, empty non-terminals, every name served"
expect_eq "existing name, type A" "$(rcode mixed.example.org A)" NOERROR
expect_eq "no records for A" "$(q +short mixed.example.org A)" ""
expect_eq "missing name" "$(rcode nothing.example.org TXT)" NXDOMAIN
expect_eq "missing name, type A" "$(rcode nothing.example.org A)" NXDOMAIN
q nothing.example.org TXT | grep -q 'AUTHORITY: 0,' || fail "no SOA without a zone"
put slot-3.mb-0123456789ab.example.org 'v=dmp1;t=manifest;d=AAAA' 600
expect_eq "empty non-terminal" "$(rcode mb-0123456789ab.example.org TXT)" NOERROR
expect_eq "empty non-terminal answers" "$(q +short mb-0123456789ab.example.org TXT)" ""
expect_eq "ENT ancestor" "$(rcode example.org TXT)" NOERROR
expect_eq "unrelated name" "$(rcode www.example.net TXT)" NXDOMAIN

step "FORMERR and NOTIMP"
expect_eq "no question" "$(rcode +header-only example.org TXT)" FORMERR
expect_eq "opcode STATUS" "$(rcode +opcode=2 mixed.example.org TXT)" NOTIMP
expect_eq "opcode UPDATE" "$(rcode +opcode=5 mixed.example.org TXT)" NOTIMP
expect_eq "class CH" "$(rcode -c CH mixed.example.org TXT)" REFUSED
expect_eq "AXFR over UDP" "$(raw --name mixed.example.org --type 252 | cut -d' ' -f2)" rcode=5
expect_eq "IXFR over TCP" "$(raw --tcp --name mixed.example.org --type 251 | head -n1 |
	cut -d' ' -f2)" rcode=5
expect_eq "still answering" "$(q +short mixed.example.org TXT)" '"v=dmp1;t=chunk;d=AAAA"'

step "a bad setting stops start-up with one line and exit 78"
DMP_DNS_UDP_MAX=100 "$DM_BIN/dnsmesh-dns" 2>"$T/bad.out"
expect_eq "exit status" "$?" 78
expect_eq "one line" "$(wc -l <"$T/bad.out")" 1
grep -q DMP_DNS_UDP_MAX "$T/bad.out" || fail "the line names the variable"
DMP_SERVED_ZONE='bad zone!' "$DM_BIN/dnsmesh-dns" 2>/dev/null
expect_eq "bad zone exit status" "$?" 78
rm -f "$T/bad.out"

step "DMP_DNS_UDP_MAX=4096: advertised, and a 2 KB RRset fits over UDP"
head -n 10 "$T/big.tsv" | sed 's/^big/medium/' >"$T/medium.tsv"
admin load "$T/medium.tsv" >/dev/null || fail "load"
expect_eq "2 KB at the default 1232" "$(flags +ignore +bufsize=4096 medium.example.org TXT)" \
	"qr aa tc"
stop_dns
start_dns DMP_DNS_UDP_MAX=4096
wait_dns
q +bufsize=4096 mixed.example.org TXT | grep -q 'udp: 4096' || fail "advertised 4096"
expect_eq "2 KB over UDP" "$(flags +ignore +bufsize=4096 medium.example.org TXT)" "qr aa"
expect_eq "2 KB count" "$(q +ignore +bufsize=4096 +short medium.example.org TXT | wc -l)" 10
expect_eq "client's smaller size wins" \
	"$(flags +ignore +bufsize=1232 medium.example.org TXT)" "qr aa tc"
expect_eq "4 KB still truncated" "$(flags +ignore +bufsize=4096 big.example.org TXT)" "qr aa tc"

step "sockets passed in (LISTEN_FDS / LISTEN_FDNAMES), as dnsmeshd and systemd do"
stop_dns
start_dns_inherited
wait_dns
expect_eq "udp" "$(q +short mixed.example.org TXT)" '"v=dmp1;t=chunk;d=AAAA"'
expect_eq "tcp" "$(q +tcp +short mixed.example.org TXT)" '"v=dmp1;t=chunk;d=AAAA"'
stop_dns

step "wildcard bind: answers come from the address that was asked"
start_dns DMP_DNS_HOST=0.0.0.0
wait_dns
# dig rejects a reply from another address than the one it asked.
expect_eq "127.0.0.2" "$(dig +short +time=2 +tries=1 -p "$PORT" @127.0.0.2 mixed.example.org TXT)" \
	'"v=dmp1;t=chunk;d=AAAA"'
stop_dns

if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
	step "IPv6: DMP_DNS_HOST=:: serves IPv6 and IPv4"
	start_dns DMP_DNS_HOST=::
	wait_dns
	for server in ::1 127.0.0.1 127.0.0.3; do
		expect_eq "udp $server" \
			"$(dig +short +time=2 +tries=1 -p "$PORT" @$server mixed.example.org TXT)" \
			'"v=dmp1;t=chunk;d=AAAA"'
	done
	expect_eq "tcp ::1" "$(dig +tcp +short +time=2 +tries=1 -p "$PORT" @::1 mixed.example.org TXT)" \
		'"v=dmp1;t=chunk;d=AAAA"'
fi
