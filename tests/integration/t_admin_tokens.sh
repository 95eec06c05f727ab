#!/usr/bin/env bash
# dnsmesh-node-admin `token rotate` and `audit tail` end to end (node.md §8):
# a rotation revokes every live token of the subject and mints one in one
# store transaction, so the old tokens stop writing at once and the new one
# works; the audit log shows the issue/rotate/revoke rows newest first, with
# --json, --event and --limit.
. "$(dirname "$0")/lib_https.sh"

OP=op-$(python3 -c 'import secrets; print(secrets.token_hex(16))')
export DMP_OPERATOR_TOKEN=$OP
export DMP_AUTH_MODE=multi-tenant
start_store
start_https DMP_HTTP_RATE=0

V='{"value": "v=dmp1;t=x;hello", "ttl": 300}'
NAME=/v1/records/dmp.dave.example.com
USER_NAME=${USER:-unknown}

# field JSON KEY: one top-level field of a JSON object, as Python prints it.
field()
{
	python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"
}
digest()
{
	printf '%s' "$1" | sha256sum | cut -c1-64
}
# publish TOKEN: the status of one owner-exclusive write with it.
publish()
{
	status POST "$NAME" "$V" -H "Authorization: Bearer $1"
}

step "issue two tokens for one subject, one for another"
D1=$(field "$(admin token issue dave@example.com --json)" token) || fail "issue 1"
D2=$(field "$(admin token issue dave@example.com --note second --json)" token) || fail "issue 2"
E1=$(field "$(admin token issue erin@example.com --json)" token) || fail "issue erin"
expect_eq "first token writes" "$(publish "$D1")" 201
expect_eq "second token writes" "$(publish "$D2")" 201

step "rotate (--json, --rate, --burst, --expires; the subject as typed)"
before=$(date +%s)
out=$(admin token rotate ' Dave@Example.COM ' --rate 5 --burst 7 --expires 1d --json) ||
	fail "rotate exited $?"
expect_has "subject canonical" "$out" '"subject": "dave@example.com"'
expect_has "rate" "$out" '"rate_per_sec": 5.0, "rate_burst": 7'
expect_has "both old tokens revoked" "$out" '"revoked": 2'
expect_has "no prekey scope" "$out" '"subject_hash12": null'
D3=$(field "$out" token)
case $D3 in dmp_v1_????????????????????????????????????????????????????) ;; *) fail "token shape: $D3" ;; esac
exp=$(field "$out" expires_at)
[ "$exp" -ge $((before + 86400)) ] && [ "$exp" -le $(($(date +%s) + 86400)) ] ||
	fail "expires_at $exp is not now + 1d"
expect_eq "old token 1 refused at once" "$(publish "$D1")" 401
expect_eq "old token 2 refused at once" "$(publish "$D2")" 401
expect_eq "new token writes" "$(publish "$D3")" 201
expect_eq "another subject's token untouched" \
	"$(status POST /v1/records/dmp.erin.example.com "$V" -H "Authorization: Bearer $E1")" 201
out=$(admin token list --subject dave@example.com --json)
n=$(python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])))' "$out")
expect_eq "one live token left" "$n" 1
expect_has "the new one" "$out" "\"token_hash\": \"$(digest "$D3")\""
expect_has "rotation issuer" "$out" "\"issuer\": \"admin:$USER_NAME:rotate\""
expect_has "rotation note" "$out" '"note": "rotation"'
expect_has "its limits" "$out" '"rate_per_sec": 5.0, "rate_burst": 7'
if command -v sqlite3 >/dev/null; then
	db=$T/dmp_tokens.db
	# one transaction, one clock reading: revocations and issue share a second
	q="select count(*) from tokens where subject='dave@example.com' and revoked_at = (select issued_at from tokens where token_hash='$(digest "$D3")')"
	expect_eq "revoked when the new one was issued" "$(sqlite3 "$db" "$q")" 2
fi

step "rotate (table output) and edge cases"
out=$(admin token rotate dave@example.com) || fail "rotate exited $?"
expect_eq "banner first line" "$(head -n1 <<<"$out")" "revoked 1 token(s) of dave@example.com"
D4=$(sed -n 's/^  \(dmp_v1_[A-Z2-7]*\)$/\1/p' <<<"$out")
[ -n "$D4" ] || fail "no token in: $out"
expect_has "defaults" "$out" "rate: 10/s, burst 50"
expect_has "no expiry" "$out" "expires_at: never"
expect_eq "rotated-out token" "$(publish "$D3")" 401
expect_eq "its successor" "$(publish "$D4")" 201
out=$(admin token rotate frank@example.com --json) || fail "rotate of a subject with no token"
expect_has "nothing to revoke still mints" "$out" '"revoked": 0'
F1=$(field "$out" token)
expect_eq "that token writes" \
	"$(status POST /v1/records/dmp.frank.example.com "$V" -H "Authorization: Bearer $F1")" 201
admin token rotate 'not a subject' >/dev/null 2>&1
expect_eq "bad subject" "$?" 2
admin token rotate dave@example.com --expires 1y >/dev/null 2>&1
expect_eq "bad duration" "$?" 2
admin token rotate dave@example.com --note x >/dev/null 2>&1
expect_eq "a rotation's note is fixed" "$?" 64
admin token rotate >/dev/null 2>&1
expect_eq "no subject" "$?" 64
expect_eq "failed rotations changed nothing" "$(publish "$D4")" 201
admin token revoke frank@example.com >/dev/null || fail "revoke frank"

step "audit tail --json: lifecycle rows newest first"
# The frontend's audit rows are notifications: wait until the refusal of D1 is in.
h1=$(digest "$D1")
rejected_logged()
{
	admin audit tail --event rejected --json | grep -q "\"token_hash\": \"$h1\""
}
wait_for "the rejected row of the rotated-out token" rejected_logged
out=$(admin audit tail --limit 1000 --json) || fail "audit tail exited $?"
python3 - "$out" "$USER_NAME" "$D1" "$D2" "$E1" "$D3" "$D4" "$F1" <<'PY' || fail "audit rows"
import hashlib, json, sys
rows = json.loads(sys.argv[1])
user = sys.argv[2]
d1, d2, e1, d3, d4, f1 = (hashlib.sha256(t.encode()).hexdigest() for t in sys.argv[3:])
keys = ["ts", "event", "token_hash", "subject", "remote_addr", "detail"]
assert all(list(r) == keys for r in rows), "row keys"
assert all(rows[i]["ts"] >= rows[i + 1]["ts"] for i in range(len(rows) - 1)), "not newest first"
life = [(r["event"], r["token_hash"], r["subject"], r["detail"])
        for r in rows if r["event"] in ("issued", "revoked")]
a = "admin:" + user
want = [
    ("revoked", f1, "frank@example.com", "admin revoke"),
    ("issued", f1, "frank@example.com", a + ":rotate"),
    ("issued", d4, "dave@example.com", a + ":rotate"),
    ("revoked", d3, "dave@example.com", "admin rotate"),
    ("issued", d3, "dave@example.com", a + ":rotate"),
    "two revocations",
    ("issued", e1, "erin@example.com", a),
    ("issued", d2, "dave@example.com", a),
    ("issued", d1, "dave@example.com", a),
]
got = life[:5] + [sorted(life[5:7])] + life[7:]
want[5] = sorted([("revoked", d1, "dave@example.com", "admin rotate"),
                  ("revoked", d2, "dave@example.com", "admin rotate")])
if got != want:
    sys.exit("lifecycle rows:\n%s\nwant:\n%s" % (json.dumps(life, indent=1), json.dumps(want, indent=1)))
rej = [r for r in rows if r["event"] == "rejected" and r["token_hash"] == d1]
assert rej and rej[0]["detail"] == "token not live" and rej[0]["remote_addr"] == "127.0.0.1", rej
used = [r for r in rows if r["event"] == "used" and r["token_hash"] == d4]
assert used and used[0]["subject"] == "dave@example.com", "used row of the new token"
PY
if command -v sqlite3 >/dev/null; then
	n=$(python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])))' "$out")
	expect_eq "every row" "$n" "$(sqlite3 "$T/dmp_tokens.db" 'select count(*) from token_audit')"
fi

step "audit tail --event, --limit, table output"
out=$(admin audit tail --event revoked --limit 2 --json)
python3 - "$out" "$(digest "$F1")" "$(digest "$D3")" <<'PY' || fail "--event revoked --limit 2: $out"
import json, sys
rows = json.loads(sys.argv[1])
assert [r["event"] for r in rows] == ["revoked", "revoked"], rows
assert [r["token_hash"] for r in rows] == sys.argv[2:4], rows
PY
out=$(admin audit tail --limit 1 --json)
expect_has "newest row" "$out" '"detail": "admin revoke"'
expect_has "newest row's subject" "$out" '"subject": "frank@example.com"'
expect_eq "--limit 0" "$(admin audit tail --limit 0 --json)" "[]"
expect_eq "an event never logged" "$(admin audit tail --event nope --json)" "[]"
out=$(admin audit tail --event issued --limit 3)
expect_eq "table rows" "$(wc -l <<<"$out")" 4
expect_has "table header" "$(head -n1 <<<"$out")" "TS          EVENT      HASH"
line=$(sed -n 2p <<<"$out")
expect_has "newest issued row" "$line" "issued     $(digest "$F1" | cut -c1-16)  frank@example.com"
expect_has "issuer as detail" "$line" "admin:$USER_NAME:rotate"
for ((i = 0; i < 40; i++)); do
	[ "$(publish "$D4")" = 201 ] || fail "publish $i"
done
fifty_rows()
{
	[ "$(admin audit tail | wc -l)" = 51 ]
}
wait_for "the default limit of 50 rows (and a header)" fifty_rows
admin audit tail --limit -1 >/dev/null 2>&1
expect_eq "negative limit" "$?" 64
admin audit tail --limit x >/dev/null 2>&1
expect_eq "non-numeric limit" "$?" 64
admin audit head >/dev/null 2>&1
expect_eq "unknown audit command" "$?" 64
admin audit tail --db "$T/elsewhere.db" >/dev/null 2>&1
expect_eq "--db elsewhere" "$?" 2

step "no token in any output or log"
all=$(admin audit tail --limit 1000 --json; admin token list --include-revoked --json)
for t in "$D1" "$D2" "$D3" "$D4" "$E1" "$F1"; do
	case $all in *"$t"*) fail "a token is in the admin output" ;; esac
	grep -q "$t" "$T"/*.log && fail "a token reached a log"
done
true
