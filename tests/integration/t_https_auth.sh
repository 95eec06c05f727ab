#!/usr/bin/env bash
# Write authorization end to end: operator and user tokens in multi-tenant
# mode (scope rules of node.md §6.3, per-token limits, the split audit), the
# admin CLI (token issue/list/revoke), self-service registration with real
# Ed25519 signatures (made by openssl), first-contact claims, and legacy mode.
. "$(dirname "$0")/lib_https.sh"
command -v openssl >/dev/null || { echo "SKIP: openssl not installed"; exit 77; }

OP=op-$(python3 -c 'import secrets; print(secrets.token_hex(16))')
export DMP_OPERATOR_TOKEN=$OP
export DMP_AUTH_MODE=multi-tenant
export DMP_REGISTRATION_ENABLED=1
export DMP_NODE_HOSTNAME=node.example.com
export DMP_REGISTRATION_ALLOWLIST=example.com
export DMP_REGISTRATION_ENDPOINT_RATE_BURST=9
export DMP_CLAIM_PROVIDER_ZONE=claims.example.com
start_store
start_https DMP_HTTP_RATE=0

BOP=(-H "Authorization: Bearer $OP")
V='{"value": "v=dmp1;t=x;hello", "ttl": 300}'

step "admin token issue / list"
out=$(admin token issue Alice@Example.com --json) || fail "token issue"
ALICE=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])' <<<"$out")
expect_has "issued" "$out" '"subject": "alice@example.com"'
case $ALICE in dmp_v1_????????????????????????????????????????????????????) ;; *) fail "token shape: $ALICE" ;; esac
out=$(admin token list --json)
expect_has "listed" "$out" '"subject": "alice@example.com"'
expect_has "listed live" "$out" '"live": true'
case $out in *"$ALICE"*) fail "token list shows the token itself" ;; esac
grep -q "$ALICE" "$T"/*.log && fail "a token reached a log"
admin token issue 'not a subject' >/dev/null 2>&1
expect_eq "bad subject exit" "$?" 2
BA=(-H "Authorization: Bearer $ALICE")

step "scope rules"
expect_eq "own dmp.<user>" "$(status POST /v1/records/dmp.alice.example.com "$V" "${BA[@]}")" 201
expect_eq "someone else's" "$(http POST /v1/records/dmp.bob.example.com "$V" "${BA[@]}")" \
	'401 {"error": "unauthorized"}'
h16=$(printf alice | sha256sum | cut -c1-16)
h12=${h16:0:12}
expect_eq "own id-<h16>" "$(status POST /v1/records/id-$h16.example.com "$V" "${BA[@]}")" 201
expect_eq "own id-<h16>, other domain" "$(status POST /v1/records/id-$h16.example.org "$V" "${BA[@]}")" 401
expect_eq "own prekeys" "$(status POST /v1/records/prekeys.id-$h12.example.com "$V" "${BA[@]}")" 201
expect_eq "rotate.dmp.id- is operator-only" \
	"$(status POST /v1/records/rotate.dmp.id-$h12.example.com "$V" "${BA[@]}")" 401
expect_eq "shared slot" "$(status POST /v1/records/slot-2.mb-0123456789ab.example.com "$V" "${BA[@]}")" 201
expect_eq "shared chunk" "$(status POST /v1/records/chunk-0001-0123456789ab.example.com "$V" "${BA[@]}")" 201
expect_eq "users cannot empty a shared slot" \
	"$(status DELETE /v1/records/slot-2.mb-0123456789ab.example.com '' "${BA[@]}")" 401
expect_eq "owners delete their own" "$(status DELETE /v1/records/prekeys.id-$h12.example.com '' "${BA[@]}")" 204
expect_eq "operator-only name" "$(status POST /v1/records/cluster.example.com "$V" "${BA[@]}")" 401
expect_eq "operator writes it" "$(status POST /v1/records/cluster.example.com "$V" "${BOP[@]}")" 201
expect_eq "operator deletes a slot" \
	"$(status DELETE /v1/records/slot-2.mb-0123456789ab.example.com '' "${BOP[@]}")" 204
expect_eq "no token" "$(status POST /v1/records/dmp.alice.example.com "$V")" 401
expect_eq "reads need the operator" "$(status GET /v1/records/dmp.alice.example.com '' "${BA[@]}")" 401
expect_eq "operator reads" "$(status GET /v1/records/dmp.alice.example.com '' "${BOP[@]}")" 200
expect_eq "metrics need the operator" "$(status GET /metrics)" 401
expect_eq "metrics with it" "$(status GET /metrics '' "${BOP[@]}")" 200

step "prekey scope and per-token rate"
x25519=$(python3 -c 'print("11" * 32)')
hx=$(python3 -c 'import hashlib; print(hashlib.sha256(bytes.fromhex("11"*32)).hexdigest()[:12])')
out=$(admin token issue bob@example.com --with-prekey-scope "$x25519" --rate 0.001 --burst 2 --json)
BOB=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])' <<<"$out")
expect_has "hash12" "$out" "\"subject_hash12\": \"$hx\""
BB=(-H "Authorization: Bearer $BOB")
expect_eq "pk-<n>.<hash12>" "$(status POST /v1/records/pk-1.$hx.example.com "$V" "${BB[@]}")" 201
expect_eq "within burst" "$(status POST /v1/records/dmp.bob.example.com "$V" "${BB[@]}")" 201
expect_eq "over burst" "$(http POST /v1/records/dmp.bob.example.com "$V" "${BB[@]}")" \
	'429 {"error": "per-token rate limit exceeded"}'

step "audit rows (split audit for the shared pool)"
if command -v sqlite3 >/dev/null; then
	db=$T/dmp_tokens.db
	n=$(sqlite3 "$db" "select count(*) from token_audit where event='used' and detail='shared-pool' and token_hash is null and subject is null")
	expect_eq "shared-pool rows carry no identity" "$n" 2
	n=$(sqlite3 "$db" "select count(*) from token_audit where event='used' and subject='alice@example.com' and token_hash is not null")
	[ "$n" -ge 3 ] || fail "owner rows carry the identity (got $n)"
	expect_eq "throttled row" "$(sqlite3 "$db" "select count(*) from token_audit where event='throttled'")" 1
	expect_eq "digests only" "$(sqlite3 "$db" "select count(*) from tokens where length(token_hash)=64")" 2
fi

step "revoke"
expect_eq "revoke by subject" "$(admin token revoke alice@example.com)" "revoked 1 token(s)"
expect_eq "revoked token" "$(status POST /v1/records/dmp.alice.example.com "$V" "${BA[@]}")" 401
prefix=$(printf '%s' "$BOB" | sha256sum | cut -c1-10)
expect_eq "revoke by digest prefix" "$(admin token revoke "$prefix")" "revoked 1 token(s)"
admin token revoke nobody@example.com >/dev/null 2>&1
expect_eq "revoke nothing" "$?" 1
out=$(admin token list --include-revoked --json)
expect_has "revoked rows listed" "$out" '"live": false'

step "self-service registration with an Ed25519 key"
openssl genpkey -algorithm ed25519 -out "$T/k1.pem" 2>/dev/null || fail "openssl genpkey"
openssl genpkey -algorithm ed25519 -out "$T/k2.pem" 2>/dev/null
spk()
{
	openssl pkey -in "$1" -pubout -outform DER 2>/dev/null | tail -c 32 | od -An -tx1 | tr -d ' \n'
}
# register KEYFILE SUBJECT_AS_TYPED: prints "STATUS BODY"
register()
{
	local key=$1 subject=$2 ch canon
	ch=$(curl -s "$BASE/v1/registration/challenge" | python3 -c 'import json,sys; print(json.load(sys.stdin)["challenge"])') ||
		return 1
	canon=$(printf '%s' "$subject" | tr 'A-Z' 'a-z' | sed 's/^ *//; s/ *$//')
	python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]) + sys.argv[2].encode() + sys.argv[3].encode() + b"\x01")' \
		"$ch" "$canon" "$DMP_NODE_HOSTNAME" >"$T/payload"
	openssl pkeyutl -sign -inkey "$key" -rawin -in "$T/payload" -out "$T/sig" 2>/dev/null || return 1
	http POST /v1/registration/confirm "{\"subject\": \"$subject\", \"ed25519_spk\": \"$(spk "$key")\", \"challenge\": \"$ch\", \"signature\": \"$(od -An -tx1 "$T/sig" | tr -d ' \n')\"}"
}
out=$(register "$T/k1.pem" " Carol@Example.com ")
expect_has "registered" "$out" '200 {"token": "dmp_v1_'
expect_has "canonical subject" "$out" '"subject": "carol@example.com"'
expect_has "issued rate" "$out" '"rate_per_sec": 10.0, "rate_burst": 50'
CAROL=$(python3 -c 'import json,sys; print(json.loads(sys.stdin.read().split(" ", 1)[1])["token"])' <<<"$out")
BC=(-H "Authorization: Bearer $CAROL")
hc=$(printf carol | sha256sum | cut -c1-16)
expect_eq "publish with it" "$(status POST /v1/records/id-$hc.example.com "$V" "${BC[@]}")" 201
expect_eq "takeover with another key" "$(register "$T/k2.pem" carol@example.com | cut -c1-3)" 409
out=$(register "$T/k1.pem" carol@example.com)
expect_has "re-register with the same key" "$out" "200 "
expect_eq "the old token is revoked" "$(status POST /v1/records/id-$hc.example.com "$V" "${BC[@]}")" 401
expect_eq "allowlist" "$(register "$T/k1.pem" dave@example.org)" \
	'403 {"error": "subject not in registration allowlist"}'
bad=$(http POST /v1/registration/confirm '{"subject": "x@example.com", "ed25519_spk": "00", "challenge": "00", "signature": "00"}')
expect_eq "short key" "$bad" '400 {"error": "ed25519_spk: expected 32 bytes, got 1"}'
# the registration bucket (burst 9; 2 per registration): used 9 by now
expect_eq "registration rate limit" "$(http GET /v1/registration/challenge)" \
	'429 {"error": "registration rate limit exceeded"}'

step "claims"
openssl genpkey -algorithm ed25519 -out "$T/sender.pem" 2>/dev/null
python3 - "$(spk "$T/sender.pem")" >"$T/claim.body" <<'PY'
import os, struct, sys, time
spk = bytes.fromhex(sys.argv[1])
dom = b"mail.example.org"
now = int(time.time())
body = b"DMPCL01" + os.urandom(16) + spk + bytes([len(dom)]) + dom + bytes([3]) + struct.pack(">QQ", now, now + 3600)
sys.stdout.buffer.write(body)
PY
openssl pkeyutl -sign -inkey "$T/sender.pem" -rawin -in "$T/claim.body" -out "$T/claim.sig" 2>/dev/null
wire=$(cat "$T/claim.body" "$T/claim.sig" | base64 -w0)
out=$(http POST /v1/claim/publish "{\"value\": \"v=dmp1;t=claim;$wire\", \"recipient_id_hex12\": \"0123456789ab\", \"ttl\": 600}")
expect_eq "claim published" "$out" '201 {"ok": true, "name": "claim-3.mb-0123456789ab.claims.example.com"}'
expect_has "claim stored" "$(http GET /v1/records/claim-3.mb-0123456789ab.claims.example.com '' "${BOP[@]}")" "$wire"
tampered=$(cat "$T/claim.body" "$T/claim.body" | head -c $(($(stat -c%s "$T/claim.body") + 64)) | base64 -w0)
expect_eq "forged claim" "$(http POST /v1/claim/publish "{\"value\": \"v=dmp1;t=claim;$tampered\", \"recipient_id_hex12\": \"0123456789ab\"}")" \
	'400 {"error": "claim verification failed"}'

step "legacy mode"
stop_https
start_https DMP_HTTP_RATE=0 DMP_AUTH_MODE=
out=$(admin token issue erin@example.com --json)
ERIN=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])' <<<"$out")
expect_eq "user tokens do not work in legacy mode" \
	"$(status POST /v1/records/dmp.erin.example.com "$V" -H "Authorization: Bearer $ERIN")" 401
expect_eq "operator token does" "$(status POST /v1/records/dmp.erin.example.com "$V" "${BOP[@]}")" 201
expect_eq "registration is multi-tenant only" "$(status GET /v1/registration/challenge)" 404
grep -q -e "$OP" -e "$ERIN" -e "$CAROL" "$T"/*.log && fail "a token reached a log"
true
