#!/usr/bin/env bash
# Cluster client mode of the dnsmesh CLI (cli.md §6 `cluster`) against three
# real dnsmeshd nodes and a cluster manifest signed here: pin, fetch, enable;
# writes fan out to every node (each node answers them over DNS); with one
# node killed a send still succeeds (2 of 3) and the receiver reads it from
# the others, using the cached manifest because the resolver it was
# configured with is the dead node; a record held by one node only is found
# (reads are a union); with two nodes down writes fail with a clear line.
. "$(dirname "$0")/lib.sh"
. "$DM_IT/lib_nodes.sh"
command -v curl >/dev/null || { echo "SKIP: curl not installed"; exit 77; }
python3 -c 'import cryptography' 2>/dev/null || { echo "SKIP: python3-cryptography not installed"; exit 77; }
CLI=$DM_BIN/dnsmesh
ZONE=mesh.test

run()
{
	local want=$1 out=$2 rc
	shift 2
	"$@" >"$out" 2>&1 && rc=0 || rc=$?
	grep -qE 'Sanitizer|runtime error:' "$out" && { cat "$out" >&2; dm_fail "sanitizer report from: $*"; }
	[ "$rc" -eq "$want" ] || { cat "$out" >&2; dm_fail "exit $rc, want $want: $*"; }
}
expect_in() { grep -qF -- "$2" "$1" || { cat "$1" >&2; dm_fail "missing '$2'"; }; }

dm_step "three nodes and a signed manifest"
for n in 1 2 3; do node_init $n; node_start $n DMP_HTTP_RATE=0; done
SEED=$(python3 -c 'import os; print(os.urandom(32).hex())')
SPK=$(python3 "$DM_IT/hb_wire.py" pub "$SEED")
nodes=()
for n in 1 2 3; do nodes+=("n$n=http://127.0.0.1:${NODE_HTTP[$n]}=127.0.0.1:${NODE_DNS[$n]}"); done
WIRE=$(python3 "$DM_IT/hb_wire.py" cluster "$SEED" $ZONE 7 $(($(date +%s) + 86400)) "${nodes[@]}")
for n in 1 2 3; do
	code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary "{\"value\": \"$WIRE\", \"ttl\": 3600}" \
		"http://127.0.0.1:${NODE_HTTP[$n]}/v1/records/cluster.$ZONE")
	dm_expect_eq "manifest on node $n" "$code" 201
done

alice() { DMP_CONFIG_HOME=$T/alice DMP_PASSPHRASE="alice pass" "$CLI" "$@"; }
bob() { DMP_CONFIG_HOME=$T/bob DMP_PASSPHRASE="bob pass" "$CLI" "$@"; }
carol() { DMP_CONFIG_HOME=$T/carol DMP_PASSPHRASE="carol pass" "$CLI" "$@"; }

dm_step "pin, fetch, enable"
for u in alice bob; do
	run 0 "$T/out" $u init $u --domain $ZONE --endpoint "http://127.0.0.1:${NODE_HTTP[1]}" \
		--dns-host 127.0.0.1 --dns-port "${NODE_DNS[1]}"
	run 1 "$T/out" $u cluster fetch
	expect_in "$T/out" "no cluster pinned"
	run 1 "$T/out" $u cluster pin nothex $ZONE
	run 0 "$T/out" $u cluster pin "$SPK" $ZONE.
	grep -q "^cluster_base_domain: $ZONE$" "$T/$u/config.yaml" || dm_fail "anchor not saved"
	grep -q "^cluster_enabled: false$" "$T/$u/config.yaml" || dm_fail "pin enabled cluster mode"
	run 0 "$T/out" $u cluster fetch
	expect_in "$T/out" "cluster: $ZONE"
	expect_in "$T/out" "seq:     7"
	expect_in "$T/out" "nodes:   3"
	expect_in "$T/out" "http://127.0.0.1:${NODE_HTTP[3]}  dns=127.0.0.1:${NODE_DNS[3]}"
	run 0 "$T/out" $u cluster enable
	expect_in "$T/out" "cluster mode enabled: $ZONE, 3 nodes"
	grep -q "^cluster_enabled: true$" "$T/$u/config.yaml" || dm_fail "enable not saved"
done
dm_step "a manifest under another operator key is refused"
OTHER=$(python3 "$DM_IT/hb_wire.py" pub "$(python3 -c 'import os; print(os.urandom(32).hex())')")
run 0 "$T/out" env DMP_CONFIG_HOME="$T/mallory" "$CLI" init mallory --domain $ZONE \
	--dns-host 127.0.0.1 --dns-port "${NODE_DNS[1]}"
run 0 "$T/out" env DMP_CONFIG_HOME="$T/mallory" "$CLI" cluster pin "$OTHER" $ZONE
run 2 "$T/out" env DMP_CONFIG_HOME="$T/mallory" "$CLI" cluster enable
expect_in "$T/out" "verifies under the pinned operator key"
grep -q "^cluster_enabled: false$" "$T/mallory/config.yaml" || dm_fail "enable changed the config"

dm_step "writes fan out to every node"
run 0 "$T/out" alice identity publish
name=$(sed -n 's/^published identity to \(.*\)$/\1/p' "$T/out")
[ -n "$name" ] || dm_fail "no published name: $(cat "$T/out")"
for n in 1 2 3; do
	v=$(dig +short +norec +time=2 +tries=1 -p "${NODE_DNS[$n]}" @127.0.0.1 "$name" TXT)
	grep -q 'v=dmp1;t=identity;' <<<"$v" || dm_fail "node $n lacks $name"
done
run 0 "$T/out" bob identity publish
run 0 "$T/out" bob identity refresh-prekeys --count 2
run 0 "$T/out" alice identity fetch bob --add
run 0 "$T/out" bob identity fetch alice --add
run 0 "$T/out" alice cluster status
expect_in "$T/out" "mode:     enabled"
[ "$(grep -c ' ok     ok' "$T/out")" = 3 ] || { cat "$T/out" >&2; dm_fail "status: not every node ok"; }

dm_step "kill -9 node 1 (the configured resolver): send succeeds on a majority"
node_kill 1
run 0 "$T/out" alice send bob "sent while node 1 is down"
run 0 "$T/out" bob recv
expect_in "$T/out" "sent while node 1 is down"
run 0 "$T/out" alice cluster status
grep -qE "^n1 .* down +down" "$T/out" || { cat "$T/out" >&2; dm_fail "status: node 1 not down"; }

dm_step "reads are a union across nodes"
run 0 "$T/out" carol init carol --domain $ZONE --endpoint "http://127.0.0.1:${NODE_HTTP[3]}" \
	--dns-host 127.0.0.1 --dns-port "${NODE_DNS[3]}"
run 0 "$T/out" carol identity publish
v=$(dig +short +norec +time=2 +tries=1 -p "${NODE_DNS[2]}" @127.0.0.1 "$(sed -n 's/^published identity to //p' "$T/out")" TXT)
[ -z "$v" ] || dm_fail "carol's identity is on node 2 too (no sync runs here)"
run 0 "$T/out" alice identity fetch carol
expect_in "$T/out" "carol"

dm_step "two nodes down: writes fail with one clear line"
node_kill 2
run 2 "$T/out" alice send bob "nobody has a majority"
expect_in "$T/out" "1 of 3 cluster nodes accepted"
grep -qiE 'traceback|segmentation' "$T/out" && dm_fail "crash-like output"

dm_step "disable"
run 0 "$T/out" alice cluster disable
grep -q "^cluster_enabled: false$" "$T/alice/config.yaml" || dm_fail "disable not saved"
node_stop 3
