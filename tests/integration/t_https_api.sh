#!/usr/bin/env bash
# The HTTP API in open mode over plain HTTP on loopback: publish with curl,
# read back by HTTP, by DNS (dig) and by DoH (GET and POST), every status
# endpoint, the caps, the per-IP rate limit, keep-alive and pipelining, and
# a restart of the https-frontend alone while DNS keeps answering.
. "$(dirname "$0")/lib_https.sh"

export DMP_MAX_VALUES_PER_NAME=3
start_store
start_dns
start_https DMP_HTTP_RATE=0

step "publish and read back by HTTP"
out=$(http POST /v1/records/Slot-1.MB-0123456789ab.Mesh.Example '{"value": "v=dmp1;t=x;one", "ttl": 600}')
expect_eq "publish" "$out" '201 {"ok": true}'
out=$(http GET /v1/records/slot-1.mb-0123456789ab.mesh.example)
expect_eq "get" "$out" '200 {"name": "slot-1.mb-0123456789ab.mesh.example", "values": ["v=dmp1;t=x;one"]}'
expect_eq "get absent" "$(http GET /v1/records/none.mesh.example)" \
	'404 {"name": "none.mesh.example", "values": []}'
expect_eq "refresh" "$(status POST /v1/records/slot-1.mb-0123456789ab.mesh.example '{"value": "v=dmp1;t=x;one"}')" 201

step "read back by DNS"
wait_for "the value in DNS" bash -c "dig +norec +short -p $DMP_DNS_PORT @127.0.0.1 slot-1.mb-0123456789ab.mesh.example TXT | grep -q one"
expect_eq "dig, 0x20 case" "$(txt SLOT-1.mb-0123456789AB.mesh.example)" '"v=dmp1;t=x;one"'

step "DoH GET and POST"
q=$(python3 -c '
import base64, struct, sys
name = b"".join(bytes([len(l)]) + l for l in b"slot-1.mb-0123456789ab.mesh.example".split(b".")) + b"\0"
msg = struct.pack(">HHHHHH", 0, 0x0100, 1, 0, 0, 0) + name + struct.pack(">HH", 16, 1)
open(sys.argv[1], "wb").write(msg)
print(base64.urlsafe_b64encode(msg).decode().rstrip("="))' "$T/q.bin")
curl -s -D "$T/doh.h" -o "$T/doh.bin" "$BASE/dns-query?dns=$q" || fail "DoH GET"
expect_has "DoH GET status" "$(head -n1 "$T/doh.h")" "200"
expect_has "DoH content type" "$(cat "$T/doh.h")" "Content-Type: application/dns-message"
expect_has "DoH max-age" "$(cat "$T/doh.h")" "Cache-Control: max-age="
expect_has "DoH answer" "$(cat "$T/doh.bin" | tr -d '\0')" "v=dmp1;t=x;one"
curl -s -o "$T/doh2.bin" -H 'Content-Type: application/dns-message' --data-binary @"$T/q.bin" \
	"$BASE/dns-query" || fail "DoH POST"
cmp -s "$T/doh.bin" "$T/doh2.bin" || fail "DoH POST and GET answers differ"
expect_eq "DoH bad base64" "$(status GET '/dns-query?dns=***')" 400
expect_eq "DoH wrong type" "$(status POST /dns-query 'x')" 415

step "caps"
expect_eq "ttl cap" "$(http POST /v1/records/a.mesh.example '{"value": "x", "ttl": 86401}')" \
	'400 {"error": "ttl exceeds cap of 86400s"}'
big=$(python3 -c 'print("x" * 2049)')
expect_eq "value cap" "$(http POST /v1/records/a.mesh.example "{\"value\": \"$big\"}")" \
	'400 {"error": "value exceeds cap of 2048 bytes"}'
for i in 1 2 3; do
	expect_eq "value $i" "$(status POST /v1/records/cap.mesh.example "{\"value\": \"v$i\"}")" 201
done
expect_eq "values cap" "$(http POST /v1/records/cap.mesh.example '{"value": "v4"}')" \
	'413 {"error": "RRset at cap.mesh.example already holds 3 values"}'
expect_eq "bad ttl" "$(http POST /v1/records/a.mesh.example '{"value": "x", "ttl": "5"}')" \
	'400 {"error": "value (str) and ttl (int > 0) required"}'
expect_eq "not an object" "$(http POST /v1/records/a.mesh.example '[1, 2]')" \
	'400 {"error": "invalid body"}'

step "delete"
expect_eq "delete one" "$(status DELETE /v1/records/cap.mesh.example '{"value": "v1"}')" 204
expect_eq "delete name" "$(status DELETE /v1/records/cap.mesh.example)" 204
expect_eq "delete again" "$(status DELETE /v1/records/cap.mesh.example)" 404
expect_eq "gone" "$(status GET /v1/records/cap.mesh.example)" 404

step "status endpoints"
expect_eq "health" "$(http GET /health)" '200 {"status": "ok"}'
expect_eq "stats" "$(http GET /stats)" '200 {"records": 1}'
m=$(curl -s -D "$T/m.h" "$BASE/metrics")
expect_has "metrics type" "$(cat "$T/m.h")" "text/plain; version=0.0.4"
expect_has "metrics counter" "$m" 'dmp_http_requests_total{method="POST",status="201"}'
expect_has "metrics gauge" "$m" "dmp_records 1.0"
expect_eq "info" "$(http GET /v1/info)" \
	'200 {"endpoint": "", "operator_spk": "", "claim_provider_zone": "", "capabilities": 0}'
expect_eq "landing" "$(status GET /)" 200
expect_has "landing html" "$(curl -s -D - "$BASE/index.html")" "text/html; charset=utf-8"
expect_eq "unknown" "$(http GET /nope)" '404 {"error": "not found"}'
expect_eq "query strings do not leak into names" \
	"$(http GET '/v1/records/slot-1.mb-0123456789ab.mesh.example?x=1' | cut -c1-3)" 200
expect_eq "PUT" "$(status PUT /v1/records/a.mesh.example '{}')" 501
expect_eq "no claim zone" "$(http POST /v1/claim/publish '{}')" \
	'404 {"error": "this node is not a claim provider"}'
expect_eq "registration off" "$(status GET /v1/registration/challenge)" 404

step "keep-alive and pipelining"
out=$(raw_http pipeline 'POST /v1/records/p1.mesh.example HTTP/1.1\r\nHost: x\r\nContent-Length: 15\r\n\r\n{"value": "p1"}GET /v1/records/p1.mesh.example HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
expect_eq "pipelined answers in order" "$(echo "$out" | cut -d' ' -f1 | tr '\n' ' ')" "201 200 200 "
expect_has "pipelined read" "$out" '"values": ["p1"]'
out=$(curl -s -o /dev/null -o /dev/null -w '%{num_connects}\n' "$BASE/health" "$BASE/stats" | tr '\n' ' ')
expect_eq "curl reuses one connection" "$out" "1 0 "
out=$(raw_http send 'GET /health HTTP/1.0\r\n\r\n')
expect_eq "HTTP/1.0" "$out" '200 {"status": "ok"}'

step "restart the https-frontend alone; DNS keeps answering"
kill -KILL "$HTTPS_PID"
wait "$HTTPS_PID" 2>/dev/null
HTTPS_PID=
expect_eq "DNS while https is down" "$(txt slot-1.mb-0123456789ab.mesh.example)" '"v=dmp1;t=x;one"'
start_https DMP_HTTP_RATE=0
expect_eq "publish after restart" "$(status POST /v1/records/after.mesh.example '{"value": "back"}')" 201
wait_for "the new value in DNS" bash -c "dig +norec +short -p $DMP_DNS_PORT @127.0.0.1 after.mesh.example TXT | grep -q back"
expect_has "DoH after restart" "$(curl -s "$BASE/dns-query?dns=$q" | tr -d '\0')" "v=dmp1;t=x;one"

step "store down: 503, then back"
kill -KILL "$STORE_PID"
wait "$STORE_PID" 2>/dev/null
STORE_PID=
expect_eq "publish without a store" "$(http POST /v1/records/x.mesh.example '{"value": "x"}')" \
	'503 {"error": "store unavailable"}'
expect_eq "health without a store" "$(status GET /health)" 503
start_store
wait_for "the frontend to reconnect" bash -c "[ \$(curl -s -o /dev/null -w '%{http_code}' $BASE/health) = 200 ]"
expect_eq "publish after store restart" "$(status POST /v1/records/x.mesh.example '{"value": "x"}')" 201
expect_eq "values survived" "$(http GET /v1/records/p1.mesh.example | cut -c1-3)" 200

step "per-IP rate limit"
stop_https
start_https DMP_HTTP_RATE=0.001 DMP_HTTP_BURST=3
for i in 1 2 3; do
	expect_eq "within burst $i" "$(status GET /v1/records/p1.mesh.example)" 200
done
expect_eq "over burst" "$(http GET /v1/records/p1.mesh.example)" '429 {"error": "rate limit exceeded"}'
expect_eq "health is not limited" "$(status GET /health)" 200
