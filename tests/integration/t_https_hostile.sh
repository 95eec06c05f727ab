#!/usr/bin/env bash
# Hostile HTTP: request-smuggling header shapes, bad lengths, oversized heads
# and bodies, deep or broken JSON, NUL and '/' in names, slow-drip clients,
# connection floods. Every refusal is a 4xx JSON error, the server keeps
# serving, and nothing is stored.
. "$(dirname "$0")/lib_https.sh"

start_store
start_https DMP_HTTP_RATE=0 DMP_HTTP_HEADER_TIMEOUT_MS=1000 DMP_HTTP_BODY_TIMEOUT_MS=2000 \
	DMP_HTTP_MAX_CONCURRENCY=16 DMP_HTTP_MAX_CONNS_PER_IP=0

P='POST /v1/records/evil.mesh.example HTTP/1.1\r\nHost: x\r\n'
B='{"value": "x"}'

step "smuggling shapes"
expect_eq "CL + TE" "$(raw_http send "${P}Content-Length: 14\r\nTransfer-Encoding: chunked\r\n\r\n$B")" \
	'400 {"error": "Content-Length with Transfer-Encoding"}'
expect_eq "TE + CL" "$(raw_http send "${P}Transfer-Encoding: chunked\r\nContent-Length: 14\r\n\r\n$B")" \
	'400 {"error": "Content-Length with Transfer-Encoding"}'
expect_eq "duplicate CL" "$(raw_http send "${P}Content-Length: 14\r\nContent-Length: 14\r\n\r\n$B")" \
	'400 {"error": "duplicate Content-Length"}'
expect_eq "CL with a sign" "$(raw_http send "${P}Content-Length: +14\r\n\r\n$B")" \
	'400 {"error": "invalid Content-Length"}'
expect_eq "CL not a number" "$(raw_http send "${P}Content-Length: 1x\r\n\r\n$B")" \
	'400 {"error": "invalid Content-Length"}'
expect_eq "duplicate Authorization" \
	"$(raw_http send "${P}Authorization: Bearer a\r\nAuthorization: Bearer b\r\nContent-Length: 14\r\n\r\n$B")" \
	'400 {"error": "duplicate Authorization"}'
expect_eq "TE gzip" "$(raw_http send "${P}Transfer-Encoding: gzip\r\n\r\n$B")" \
	'501 {"error": "unsupported Transfer-Encoding"}'
expect_eq "a second request after a refusal is not parsed" \
	"$(raw_http pipeline "${P}Content-Length: 1\r\nContent-Length: 1\r\n\r\nxGET /health HTTP/1.1\r\nHost: x\r\n\r\n" | wc -l)" 1
expect_eq "bare LF line ends" "$(raw_http send 'GET /health HTTP/1.1\nHost: x\n\n' | cut -d' ' -f1)" 200
expect_eq "NUL in a header" "$(raw_http send 'GET /health HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n' | cut -d' ' -f1)" 400
expect_eq "CR inside a header" "$(raw_http send 'GET /health HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n' | cut -d' ' -f1)" 400
expect_eq "not HTTP" "$(raw_http send '\x16\x03\x01\x00\x05hello\r\n\r\n' | cut -d' ' -f1)" 400

step "names"
expect_eq "NUL in a name" "$(http POST /v1/records/a%00b.mesh.example "$B")" \
	'400 {"error": "invalid record name"}'
expect_eq "raw NUL in the path" "$(raw_http send "POST /v1/records/a\x00b HTTP/1.1\r\nHost: x\r\nContent-Length: 14\r\n\r\n$B" | cut -d' ' -f1)" 400
expect_eq "slash in a name" "$(http POST /v1/records/a%2Fb.mesh.example "$B")" \
	'400 {"error": "invalid record name"}'
expect_eq "space in a name" "$(http POST '/v1/records/a%20b.mesh.example' "$B")" \
	'400 {"error": "invalid record name"}'
expect_eq "254 bytes" "$(status POST "/v1/records/$(python3 -c 'print(".".join(["a"*62]*4) + ".ab")')" "$B")" 400
expect_eq "bad escape" "$(http POST /v1/records/a%zz.mesh.example "$B")" \
	'400 {"error": "invalid record name"}'

step "sizes"
pad=$(python3 -c 'print("a" * 9000)')
expect_eq "9 KB header" "$(raw_http send "GET /health HTTP/1.1\r\nHost: x\r\nX-Pad: $pad\r\n\r\n")" \
	'431 {"error": "request header fields too large"}'
expect_eq "long target" "$(raw_http send "GET /$pad HTTP/1.1\r\nHost: x\r\n\r\n" | cut -d' ' -f1)" 431
expect_eq "big body (by length)" "$(raw_http send "${P}Content-Length: 16385\r\n\r\n")" \
	'413 {"error": "request body too large"}'
big=$(python3 -c 'print("{\"value\": \"" + "x" * 17000 + "\"}")')
expect_eq "big body (chunked)" "$(raw_http send "${P}Transfer-Encoding: chunked\r\n\r\n$(printf '%x' ${#big})\r\n$big\r\n0\r\n\r\n")" \
	'413 {"error": "request body too large"}'
deep=$(python3 -c 'print("{\"value\": " + "[" * 50 + "]" * 50 + "}")')
expect_eq "deep JSON" "$(http POST /v1/records/evil.mesh.example "$deep")" '400 {"error": "invalid body"}'
expect_eq "bad UTF-8" "$(raw_http send "${P}Content-Length: 14\r\n\r\n{\"value\": \"\xff\"}")" \
	'400 {"error": "invalid body"}'
expect_eq "duplicate keys" "$(http POST /v1/records/evil.mesh.example '{"value": "a", "value": "b"}')" \
	'400 {"error": "invalid body"}'
expect_eq "NUL escape" "$(http POST /v1/records/evil.mesh.example '{"value": "a\u0000b"}')" \
	'400 {"error": "invalid body"}'
expect_eq "control character" "$(http POST /v1/records/evil.mesh.example '{"value": "a\u0007b"}')" \
	'400 {"error": "invalid record value"}'
expect_eq "Expect: 100-continue" "$(curl -s -o /dev/null -w '%{http_code}' -H 'Expect: 100-continue' \
	-H 'Content-Type: application/json' --data-binary '{"value": "ok-after-continue"}' "$BASE/v1/records/cont.mesh.example")" 201

step "slow clients are cut off and cannot starve others"
out=$(raw_http drip 'GET /health HTTP/1.1\r\nHost: x\r\nX-A: aaaaaaaaaaaaaaaaaaaa\r\n\r\n' 0.2 10)
expect_has "header drip cut at the header deadline" "$out" "cut 408"
secs=$(echo "$out" | cut -d' ' -f3)
python3 -c "import sys; sys.exit(0 if 0.8 <= $secs <= 3.0 else 1)" || fail "header deadline took ${secs}s"
out=$(raw_http drip "${P}Content-Length: 40\r\n\r\n{\"value\": \"xxxxxxxxxxxxxxxxxxxxxxxxxx\"}" 0.05 10)
expect_has "body drip cut at the body deadline" "$out" "cut 408"
expect_eq "a flood of idle connections does not starve a new client" "$(raw_http hold 40 5)" "served 200"
expect_eq "still serving" "$(status GET /health)" 200

step "per-IP connection cap"
stop_https
start_https DMP_HTTP_RATE=0 DMP_HTTP_MAX_CONNS_PER_IP=4
expect_eq "the 5th connection from one address is refused" "$(raw_http hold 4 2)" "starved"
expect_eq "fine again once they close" "$(status GET /health)" 200

step "nothing was stored"
expect_eq "records" "$(http GET /stats)" '200 {"records": 1}'
expect_eq "only the 100-continue publish" "$(status GET /v1/records/cont.mesh.example)" 200
expect_eq "no evil" "$(status GET /v1/records/evil.mesh.example)" 404
