#!/usr/bin/env bash
# Heartbeats and discovery (node.md §10) between three real nodes under
# dnsmeshd: each announces itself every second; C and B know only A (a
# seed), yet after a few ticks every node lists all three in
# /v1/nodes/seen and /nodes, learned by gossip. Forged, expired, skewed and
# malformed heartbeats are refused with the reference's statuses; the
# operator key file must not be group/world accessible and a private-IP
# self endpoint is refused at start (exit 78); `dnsmesh peers` reads it all.
#
# The self endpoints are names (node-X.test): a heartbeat may not advertise
# a loopback address. DMP_HEARTBEAT_RESOLVE points those names at 127.0.0.1.
. "$(dirname "$0")/lib.sh"
. "$DM_IT/lib_nodes.sh"
command -v curl >/dev/null || { echo "SKIP: curl not installed"; exit 77; }
python3 -c 'import cryptography' 2>/dev/null || { echo "SKIP: python3-cryptography not installed"; exit 77; }
WIRE="python3 $DM_IT/hb_wire.py"

for n in a b c; do node_init $n; done
mkdir -p "$T/keys"
chmod 755 "$T/keys"
declare -A SEED PUB EP
for n in a b c; do
	SEED[$n]=$(python3 -c 'import os; print(os.urandom(32).hex())')
	PUB[$n]=$($WIRE pub "${SEED[$n]}")
	EP[$n]=http://node-$n.test:${NODE_HTTP[$n]}
	printf '%s\n' "${SEED[$n]}" >"$T/keys/$n.key"
	chmod 600 "$T/keys/$n.key"
	[ "$DM_IS_ROOT" -eq 1 ] && { dm_ensure_users; chown dnsmesh-heartbeat "$T/keys/$n.key"; }
done
RESOLVE=node-a.test=127.0.0.1,node-b.test=127.0.0.1,node-c.test=127.0.0.1

hb_env()
{
	local n=$1
	echo DMP_HEARTBEAT_ENABLED=1 DMP_HEARTBEAT_SELF_ENDPOINT="${EP[$n]}" \
		DMP_HEARTBEAT_OPERATOR_KEY_PATH="$T/keys/$n.key" DMP_HEARTBEAT_INTERVAL_SECONDS=1 \
		DMP_HEARTBEAT_RESOLVE=$RESOLVE DMP_HEARTBEAT_VERSION=test-$n
}

dm_step "the operator key and the self endpoint are checked at start (exit 78)"
hb_alone()
{
	env -i PATH="$PATH" DMP_RUN_DIR="$T/nobody" DMP_HEARTBEAT_ENABLED=1 "$@" \
		"$DM_BIN/dnsmesh-heartbeat" 2>&1
}
cp "$T/keys/a.key" "$T/keys/open.key"
chmod 644 "$T/keys/open.key"
out=$(hb_alone DMP_HEARTBEAT_SELF_ENDPOINT="${EP[a]}" DMP_HEARTBEAT_OPERATOR_KEY_PATH="$T/keys/open.key") && rc=0 || rc=$?
dm_expect_eq "world-readable key: exit" "$rc" 78
grep -q "gives the group or others access" <<<"$out" || dm_fail "no permission message: $out"
out=$(hb_alone DMP_HEARTBEAT_SELF_ENDPOINT="${EP[a]}" DMP_HEARTBEAT_OPERATOR_KEY_PATH="$T/keys/none.key") && rc=0 || rc=$?
dm_expect_eq "missing key: exit" "$rc" 78
printf 'not a key\n' >"$T/keys/bad.key"
chmod 600 "$T/keys/bad.key"
out=$(hb_alone DMP_HEARTBEAT_SELF_ENDPOINT="${EP[a]}" DMP_HEARTBEAT_OPERATOR_KEY_PATH="$T/keys/bad.key") && rc=0 || rc=$?
dm_expect_eq "malformed key: exit" "$rc" 78
out=$(hb_alone DMP_HEARTBEAT_SELF_ENDPOINT=http://10.1.2.3:8053 DMP_HEARTBEAT_OPERATOR_KEY_PATH="$T/keys/a.key") && rc=0 || rc=$?
dm_expect_eq "private self endpoint: exit" "$rc" 78
out=$(hb_alone DMP_HEARTBEAT_OPERATOR_KEY_PATH="$T/keys/a.key") && rc=0 || rc=$?
dm_expect_eq "no self endpoint: exit" "$rc" 78

dm_step "three nodes; B and C seed from A"
# shellcheck disable=SC2046
node_start a $(hb_env a)
# shellcheck disable=SC2046
node_start b $(hb_env b) DMP_HEARTBEAT_SEEDS="${EP[a]}"
# shellcheck disable=SC2046
node_start c $(hb_env c) DMP_HEARTBEAT_SEEDS="${EP[a]}"
[ -n "$(node_pid a heartbeat)" ] || dm_fail "dnsmeshd did not start dnsmesh-heartbeat"

seen_json() { curl -s "http://127.0.0.1:${NODE_HTTP[$1]}/v1/nodes/seen"; }
# seen_has NODE PUB...: node's /v1/nodes/seen lists a verifying wire of every PUB
seen_has()
{
	local n=$1
	shift
	seen_json "$n" | python3 -c '
import base64, json, sys
d = json.load(sys.stdin)
keys = set()
for row in d["seen"]:
    blob = base64.b64decode(row["wire"][len("v=dmp1;t=heartbeat;"):])
    eplen = int.from_bytes(blob[7:9], "big")
    keys.add(blob[9 + eplen:9 + eplen + 32].hex())
sys.exit(0 if set(sys.argv[1:]) <= keys else 1)' "$@"
}
for n in a b c; do
	dm_wait_for 30 "node $n seeing a, b and c" seen_has $n "${PUB[a]}" "${PUB[b]}" "${PUB[c]}"
done
dm_step "/v1/nodes/seen and /v1/info name this node's operator"
self=$(seen_json b | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["version"], d["self"]["endpoint"], d["self"]["operator_spk_hex"], d["self"]["enabled"])')
dm_expect_eq "self of b" "$self" "1 ${EP[b]} ${PUB[b]} True"
info=$(curl -s "http://127.0.0.1:${NODE_HTTP[c]}/v1/info" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["endpoint"], d["operator_spk"])')
dm_expect_eq "/v1/info of c" "$info" "${EP[c]} ${PUB[c]}"

dm_step "/nodes lists every node"
page=$(curl -s "http://127.0.0.1:${NODE_HTTP[c]}/nodes")
for n in a b c; do
	grep -qF "${EP[$n]}" <<<"$page" || dm_fail "/nodes of c lacks ${EP[$n]}"
done
grep -qF "test-a" <<<"$page" || dm_fail "/nodes lacks a's version"

dm_step "refused heartbeats"
URL=http://127.0.0.1:${NODE_HTTP[a]}/v1/heartbeat
post() { curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "$1" "$URL"; }
X=$(python3 -c 'import os; print(os.urandom(32).hex())')
now=$(date +%s)
code=$(post "{\"wire\": \"$($WIRE heartbeat "$X" https://x.example --tamper)\"}")
dm_expect_eq "forged: status" "$code" 400
grep -q 'heartbeat verification failed' "$T/body" || dm_fail "forged: $(cat "$T/body")"
dm_expect_eq "expired" "$(post "{\"wire\": \"$($WIRE heartbeat "$X" https://x.example --ts $((now - 200)) --exp $((now - 5)))\"}")" 400
dm_expect_eq "ts 1000 s ahead" "$(post "{\"wire\": \"$($WIRE heartbeat "$X" https://x.example --ts $((now + 1000)))\"}")" 400
dm_expect_eq "ts 1000 s behind" "$(post "{\"wire\": \"$($WIRE heartbeat "$X" https://x.example --ts $((now - 1000)) --exp $((now + 3600)))\"}")" 400
dm_expect_eq "private endpoint" "$(post "{\"wire\": \"$($WIRE heartbeat "$X" http://192.168.1.1)\"}")" 400
dm_expect_eq "endpoint with a path" "$(post "{\"wire\": \"$($WIRE heartbeat "$X" https://x.example/)\"}")" 400
dm_expect_eq "no wire" "$(post '{"wire": ""}')" 400
grep -q 'wire (string) required' "$T/body" || dm_fail "no wire: $(cat "$T/body")"
dm_expect_eq "not an object" "$(post '[1,2]')" 400
grep -q 'invalid body' "$T/body" || dm_fail "not an object: $(cat "$T/body")"
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL")
dm_expect_eq "GET /v1/heartbeat" "$code" 405

dm_step "an accepted outside heartbeat: gossip back, then listed"
code=$(post "{\"wire\": \"$($WIRE heartbeat "$X" 'https://x.example:8443' --version '<b>v</b>')\"}")
dm_expect_eq "valid: status" "$code" 200
python3 - "$T/body" "$($WIRE pub "$X")" "${PUB[a]}" <<'PY' || dm_fail "submit reply: $(cat "$T/body")"
import base64, json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is True and d["accepted_operator_spk_hex"] == sys.argv[2], d
assert isinstance(d["seen"], list) and 1 <= len(d["seen"]) <= 10, d
for w in d["seen"]:
    assert isinstance(w, str) and w.startswith("v=dmp1;t=heartbeat;")
    blob = base64.b64decode(w[19:])
    n = int.from_bytes(blob[7:9], "big")
    assert blob[9 + n:41 + n].hex() != sys.argv[2], "the submitter's own heartbeat came back"
PY
page=$(curl -s "http://127.0.0.1:${NODE_HTTP[a]}/nodes")
grep -qF 'https://x.example:8443' <<<"$page" || dm_fail "/nodes lacks the outside node"
grep -qF '<b>v</b>' <<<"$page" && dm_fail "/nodes did not escape the version"
grep -qF '&lt;b&gt;v&lt;/b&gt;' <<<"$page" || dm_fail "/nodes lacks the escaped version"

dm_step "dnsmesh peers"
out=$(DMP_CONFIG_HOME="$T/cli" "$DM_BIN/dnsmesh" peers "http://127.0.0.1:${NODE_HTTP[b]}") ||
	dm_fail "dnsmesh peers failed"
grep -qF "node:     ${EP[b]}" <<<"$out" || dm_fail "peers: no self line: $out"
for n in a c; do grep -qF "${EP[$n]}" <<<"$out" || dm_fail "peers: lacks $n: $out"; done
js=$(DMP_CONFIG_HOME="$T/cli" "$DM_BIN/dnsmesh" peers "http://127.0.0.1:${NODE_HTTP[b]}" --json) ||
	dm_fail "dnsmesh peers --json failed"
python3 -c '
import json, sys
d = json.loads(sys.argv[1])
eps = {p["endpoint"] for p in d["peers"]}
assert set(sys.argv[2:]) <= eps, eps
assert d["self"]["operator_spk_hex"] == d["self"]["operator_spk_hex"].lower()
' "$js" "${EP[a]}" "${EP[c]}" || dm_fail "peers --json: $js"

dm_step "a node without heartbeats: 404, and peers says so"
node_init d
node_start d
code=$(curl -s -o "$T/body" -w '%{http_code}' "http://127.0.0.1:${NODE_HTTP[d]}/v1/nodes/seen")
dm_expect_eq "/v1/nodes/seen disabled" "$code" 404
code=$(curl -s -o "$T/body" -w '%{http_code}' "http://127.0.0.1:${NODE_HTTP[d]}/nodes")
dm_expect_eq "/nodes disabled" "$code" 404
grep -q 'discovery disabled on this node' "$T/body" || dm_fail "/nodes: $(cat "$T/body")"
DMP_CONFIG_HOME="$T/cli" "$DM_BIN/dnsmesh" peers "http://127.0.0.1:${NODE_HTTP[d]}" 2>"$T/err" && rc=0 || rc=$?
dm_expect_eq "peers on a node without heartbeats: exit" "$rc" 1
grep -q "heartbeat layer not enabled" "$T/err" || dm_fail "peers: $(cat "$T/err")"

dm_step "restarting the heartbeat service alone; the seen store survives a store restart"
old=$(node_pid a heartbeat)
kill -KILL "$old"
_new_hb() { p=$(node_pid a heartbeat); [ -n "$p" ] && [ "$p" != "$old" ]; }
dm_wait_for 20 "a new dnsmesh-heartbeat on a" _new_hb
kill -KILL "$(node_pid a store)"
sleep 1
dm_wait_for 20 "a still seeing everyone" seen_has a "${PUB[a]}" "${PUB[b]}" "${PUB[c]}"

for n in d c b a; do node_stop $n; done
