#!/usr/bin/env bash
# Bootstrap discovery with the dnsmesh CLI (cli.md §6 `bootstrap`, wire.md
# §12.6) against two real dnsmeshd nodes forming cluster mesh.test. A zone
# operator key signs `_dmp.example.test` (made with `dnsmesh-node-admin
# bootstrap sign`), listing a preferred cluster that publishes no manifest
# and then mesh.test. Covered: pin, fetch (entries by priority, the newest
# verifying record wins over a forged one with a higher seq), records that
# are forged, tampered with or bound to another domain refused, discover
# without --auto-pin (suggested commands, config untouched; falls back past
# the dead entry), --auto-pin refused for a domain that is not ours and
# all-or-nothing when no cluster is usable, --auto-pin writing both anchors,
# clearing tokens and enabling cluster mode, and `identity fetch
# --via-bootstrap` reading bob's identity from the cluster (it is on node 2
# only, which the configured resolver (node 1) does not have).
. "$(dirname "$0")/lib.sh"
. "$DM_IT/lib_nodes.sh"
CLI=$DM_BIN/dnsmesh
ADMIN=$DM_BIN/dnsmesh-node-admin
DOM=example.test
BASE=mesh.test

run()
{
	local want=$1 out=$2 rc
	shift 2
	"$@" >"$out" 2>&1 && rc=0 || rc=$?
	grep -qE 'Sanitizer|runtime error:' "$out" && { cat "$out" >&2; dm_fail "sanitizer report from: $*"; }
	[ "$rc" -eq "$want" ] || { cat "$out" >&2; dm_fail "exit $rc, want $want: $*"; }
}
expect_in() { grep -qF -- "$2" "$1" || { cat "$1" >&2; dm_fail "missing '$2'"; }; }
expect_not_in() { ! grep -qF -- "$2" "$1" || { cat "$1" >&2; dm_fail "unexpected '$2'"; }; }
cfg_has() { grep -qx -- "$2" "$T/$1/config.yaml" || { cat "$T/$1/config.yaml" >&2; dm_fail "$1's config lacks '$2'"; }; }

# put_on I NAME VALUE: publish through node I's store, as its operator does.
put_on()
{
	env DMP_DB_PATH="$T/n$1/var/db/dmp.db" DMP_RUN_DIR="$T/n$1/var/run" \
		"$ADMIN" put "$2" "$3" 3600 >/dev/null || dm_fail "put $2 on node $1"
}

alice() { DMP_CONFIG_HOME=$T/alice DMP_PASSPHRASE="alice pass" "$CLI" "$@"; }
bob() { DMP_CONFIG_HOME=$T/bob DMP_PASSPHRASE="bob pass" "$CLI" "$@"; }
carol() { DMP_CONFIG_HOME=$T/carol DMP_PASSPHRASE="carol pass" "$CLI" "$@"; }

dm_step "two nodes, a cluster manifest and a signed bootstrap record"
for n in 1 2; do node_init $n; node_start $n DMP_HTTP_RATE=0; done
read -r CL_SEED CL_SPK < <("$ADMIN" cluster keygen)
read -r ZONE_SEED ZONE_SPK < <("$ADMIN" bootstrap keygen)
read -r EVIL_SEED EVIL_SPK < <("$ADMIN" bootstrap keygen)
read -r _ DEAD_SPK < <("$ADMIN" cluster keygen)
EXP=$(($(date +%s) + 86400))
MANIFEST=$("$ADMIN" cluster sign --key "$CL_SEED" --name $BASE --seq 3 --exp $EXP \
	--node "n1=http://127.0.0.1:${NODE_HTTP[1]}=127.0.0.1:${NODE_DNS[1]}" \
	--node "n2=http://127.0.0.1:${NODE_HTTP[2]}=127.0.0.1:${NODE_DNS[2]}")
# Entries given out of order: the signer sorts them by priority.
BS=$("$ADMIN" bootstrap sign --key "$ZONE_SEED" --domain $DOM --seq 5 --exp $EXP \
	--entry "20=$BASE=$CL_SPK" --entry "10=dead.test=$DEAD_SPK")
FORGED=$("$ADMIN" bootstrap sign --key "$EVIL_SEED" --domain $DOM --seq 99 --exp $EXP \
	--entry "1=evil.test=$DEAD_SPK")
grep -q '^v=dmp1;t=bootstrap;' <<<"$BS" || dm_fail "bootstrap sign printed: $BS"
run 1 "$T/out" "$ADMIN" bootstrap sign --key "$ZONE_SEED" --domain bad_domain --seq 1 \
	--exp $EXP --entry "1=$BASE=$CL_SPK"
for n in 1 2; do put_on $n "cluster.$BASE" "$MANIFEST"; done
put_on 1 "_dmp.$DOM" "$BS"
put_on 1 "_dmp.$DOM" "$FORGED"

dm_step "users: alice reads through node 1, bob publishes dmp.$DOM on node 2"
run 0 "$T/out" alice init alice --domain $BASE --endpoint "http://127.0.0.1:${NODE_HTTP[1]}" \
	--http-token old-operator-token --dns-host 127.0.0.1 --dns-port "${NODE_DNS[1]}"
run 0 "$T/out" bob init bob --identity-domain $DOM --endpoint "http://127.0.0.1:${NODE_HTTP[2]}" \
	--dns-host 127.0.0.1 --dns-port "${NODE_DNS[2]}"
run 0 "$T/out" bob identity publish
expect_in "$T/out" "published identity to dmp.$DOM"
run 0 "$T/out" bob identity show
BOB_SPK=$(sed -n 's/^signing_public_key: //p' "$T/out")
[ -n "$(dig +short +norec -p "${NODE_DNS[1]}" @127.0.0.1 dmp.$DOM TXT)" ] &&
	dm_fail "bob's identity reached node 1 (no sync runs here)"

dm_step "pin"
run 1 "$T/out" alice bootstrap fetch
expect_in "$T/out" "no bootstrap anchor"
run 1 "$T/out" alice bootstrap pin $DOM nothex
run 1 "$T/out" alice bootstrap pin bad_domain "$ZONE_SPK"
run 2 "$T/out" alice bootstrap pin $DOM
run 1 "$T/out" env DMP_CONFIG_HOME="$T/nobody" "$CLI" bootstrap pin $DOM "$ZONE_SPK"
expect_in "$T/out" "no config at"
run 0 "$T/out" alice bootstrap pin $DOM. "${ZONE_SPK^^}"
expect_in "$T/out" "pinned bootstrap signer for $DOM"
cfg_has alice "bootstrap_user_domain: $DOM"
grep -qE "^bootstrap_signer_spk: '?$ZONE_SPK'?$" "$T/alice/config.yaml" || dm_fail "signer not saved lowercase"
cfg_has alice "cluster_enabled: false"

dm_step "fetch: entries by priority; the forged record with a higher seq is ignored"
run 0 "$T/out" alice bootstrap fetch
expect_in "$T/out" "user_domain: $DOM"
expect_in "$T/out" "seq:         5"
expect_in "$T/out" "expires:     $EXP"
first=$(grep -n 'priority=10  cluster=dead.test' "$T/out" | cut -d: -f1)
second=$(grep -n "priority=20  cluster=$BASE  operator_spk=${CL_SPK:0:16}..." "$T/out" | cut -d: -f1)
[ -n "$first" ] && [ -n "$second" ] && [ "$first" -lt "$second" ] || { cat "$T/out" >&2; dm_fail "entries not by priority"; }
expect_not_in "$T/out" "evil.test"
run 1 "$T/out" alice bootstrap fetch --user-domain other.test
expect_in "$T/out" "pass --signer-spk too"
run 1 "$T/out" alice bootstrap fetch --signer-spk 1234

dm_step "forged, tampered and misbound records are refused"
# Only records that must not verify live at _dmp.forged.test: one signed by
# another key, the genuine record with one signature byte changed, and a
# genuine record of $DOM (signed by the pinned key, but bound to $DOM).
TAMPERED=$(python3 -c '
import base64, sys
w = sys.argv[1]; p = "v=dmp1;t=bootstrap;"
b = bytearray(base64.b64decode(w[len(p):])); b[-1] ^= 1
print(p + base64.b64encode(bytes(b)).decode())' "$BS")
EVIL_FOR_FORGED=$("$ADMIN" bootstrap sign --key "$EVIL_SEED" --domain forged.test --seq 1 \
	--exp $EXP --entry "1=$BASE=$CL_SPK")
put_on 1 "_dmp.forged.test" "$EVIL_FOR_FORGED"
put_on 1 "_dmp.forged.test" "$TAMPERED"
put_on 1 "_dmp.forged.test" "$BS"
run 2 "$T/out" alice bootstrap fetch --user-domain forged.test --signer-spk "$ZONE_SPK"
expect_in "$T/out" "no bootstrap record at _dmp.forged.test verifies under the pinned signer key (bad signature, names another domain or signer)"
run 2 "$T/out" alice bootstrap discover bob@forged.test --signer-spk "$ZONE_SPK"
expect_in "$T/out" "verifies under the pinned signer key"
# The forger's record is well-formed: it was refused for its key alone.
run 0 "$T/out" alice bootstrap fetch --user-domain forged.test --signer-spk "$EVIL_SPK"
expect_in "$T/out" "user_domain: forged.test"
run 2 "$T/out" alice bootstrap fetch --user-domain nothing.test --signer-spk "$ZONE_SPK"
expect_in "$T/out" "no bootstrap record at _dmp.nothing.test"

dm_step "discover without --auto-pin: suggestions only"
cp "$T/alice/config.yaml" "$T/alice.before"
run 1 "$T/out" alice bootstrap discover bob
run 1 "$T/out" alice bootstrap discover bob@other.test
expect_in "$T/out" "no bootstrap signer pinned for other.test"
run 0 "$T/out" alice bootstrap discover bob@$DOM
expect_in "$T/out" "address:     bob@$DOM"
expect_in "$T/out" "user_domain: $DOM  (seq=5, exp=$EXP)"
expect_in "$T/out" "cluster:     $BASE  (seq=3, nodes=2"
expect_in "$T/out" "shown entry: priority=20"
expect_in "$T/out" "  dnsmesh cluster pin $CL_SPK $BASE"
expect_in "$T/out" "  dnsmesh cluster fetch"
expect_in "$T/out" "  dnsmesh cluster enable"
cmp -s "$T/alice/config.yaml" "$T/alice.before" || dm_fail "discover without --auto-pin changed the config"

dm_step "identity fetch --via-bootstrap reads through the discovered cluster"
run 2 "$T/out" alice identity fetch bob@$DOM
expect_in "$T/out" "no identity found for bob@$DOM"
run 1 "$T/out" alice identity fetch bob --via-bootstrap
run 1 "$T/out" alice identity fetch bob@other.test --via-bootstrap
expect_in "$T/out" "no bootstrap signer pinned for other.test"
run 0 "$T/out" alice identity fetch bob@$DOM --via-bootstrap
expect_in "$T/out" "address:            bob@$DOM"
expect_in "$T/out" "signing_public_key: $BOB_SPK"
run 0 "$T/out" alice identity fetch bob@$DOM --via-bootstrap --json --add
expect_in "$T/out" "\"dns_name\": \"dmp.$DOM\""
expect_in "$T/out" "added contact bob (pinned signing key)"
grep -qE "^ +spk: '?$BOB_SPK'?$" "$T/alice/config.yaml" || dm_fail "bob not pinned"
cfg_has alice "cluster_enabled: false"
[ -e "$T/alice/cluster_manifest.wire" ] && dm_fail "--via-bootstrap cached a manifest"

dm_step "a record whose only cluster has no manifest: nothing usable, nothing written"
LONELY=$("$ADMIN" bootstrap sign --key "$ZONE_SEED" --domain lonely.test --seq 1 --exp $EXP \
	--entry "1=dead.test=$DEAD_SPK")
put_on 1 "_dmp.lonely.test" "$LONELY"
run 0 "$T/out" carol init carol --domain $BASE --dns-host 127.0.0.1 --dns-port "${NODE_DNS[1]}"
run 0 "$T/out" carol bootstrap pin lonely.test "$ZONE_SPK"
cp "$T/carol/config.yaml" "$T/carol.before"
run 2 "$T/out" carol bootstrap discover carol@lonely.test --auto-pin
expect_in "$T/out" "no usable cluster manifest in the bootstrap record for lonely.test"
expect_in "$T/out" "no config written"
cmp -s "$T/carol/config.yaml" "$T/carol.before" || dm_fail "a failed --auto-pin changed the config"
run 2 "$T/out" carol identity fetch carol@lonely.test --via-bootstrap
expect_in "$T/out" "no usable cluster manifest"
run 0 "$T/out" carol bootstrap discover carol@lonely.test
expect_in "$T/out" "showing the preferred entry for visibility only"
expect_in "$T/out" "dnsmesh cluster pin $DEAD_SPK dead.test"

dm_step "--auto-pin only rehomes onto the pinned own domain"
cp "$T/alice/config.yaml" "$T/alice.before"
run 1 "$T/out" alice bootstrap discover bob@forged.test --signer-spk "$ZONE_SPK" --auto-pin
expect_in "$T/out" "refuses to rehome"
cmp -s "$T/alice/config.yaml" "$T/alice.before" || dm_fail "a refused --auto-pin changed the config"

dm_step "--auto-pin: both anchors, tokens cleared, cluster mode on"
cfg_has alice "http_token: old-operator-token"
run 0 "$T/out" alice bootstrap discover alice@$DOM --auto-pin
expect_in "$T/out" "cluster:     $BASE  (seq=3, nodes=2)"
expect_in "$T/out" "wrote config:"
cfg_has alice "bootstrap_user_domain: $DOM"
cfg_has alice "cluster_base_domain: $BASE"
grep -qE "^cluster_operator_spk: '?$CL_SPK'?$" "$T/alice/config.yaml" || dm_fail "operator key not saved"
cfg_has alice "cluster_enabled: true"
cfg_has alice "http_token: null"
cfg_has alice "cluster_node_token: ''"
run 0 "$T/out" alice cluster status
expect_in "$T/out" "mode:     enabled"
run 0 "$T/out" alice identity publish
name=$(sed -n 's/^published identity to \(.*\)$/\1/p' "$T/out")
[ -n "$name" ] || dm_fail "no published name: $(cat "$T/out")"
for n in 1 2; do
	v=$(dig +short +norec +time=2 +tries=1 -p "${NODE_DNS[$n]}" @127.0.0.1 "$name" TXT)
	grep -q 'v=dmp1;t=identity;' <<<"$v" || dm_fail "node $n lacks $name after --auto-pin"
done

node_stop 1
node_stop 2
