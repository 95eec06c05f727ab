#!/usr/bin/env bash
# Two users (alice and bob, separate config directories) talk through a node
# on loopback with the dnsmesh CLI: init, register (challenge/confirm),
# publish identity and prekeys, fetch each other, send both ways with and
# without prekeys, receive, replay rejected, an unknown sender lands in the
# intro queue, the same reads over DoH, then the node stopped: clear
# one-line failures. Also: a config directory written in the reference's
# format is read unchanged (same keys, user id, contacts).
#
# The node is dnsmeshd (tests/integration/lib.sh) when it is built; if not,
# the development stand-in cli_stand_in_node.py, and the test says so.
set -uo pipefail
: "${DM_BIN:?DM_BIN must point at the bin directory of a build}"
DM_SRC=${DM_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
CLI=$DM_BIN/dnsmesh
[ -x "$CLI" ] || { echo "SKIP: $CLI not built"; exit 77; }

if [ -x "$DM_BIN/dnsmeshd" ] && [ -x "$DM_BIN/dnsmesh-https" ] && [ -x "$DM_BIN/dnsmesh-dns" ] &&
	[ -z "${DM_CLI_STAND_IN:-}" ]; then
	REAL=1
	source "$DM_SRC/tests/integration/lib.sh"
	set +e
	step() { dm_step "$@"; }
	fail() { dm_fail "$*"; }
else
	REAL=0
	command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }
	T=$(mktemp -d "${TMPDIR:-/tmp}/dm-t_cli_conversation.XXXXXX")
	ports=$(python3 "$DM_SRC/tests/integration/free_ports.py" 2)
	DNS_PORT=$(sed -n 1p <<<"$ports")
	HTTP_PORT=$(sed -n 2p <<<"$ports")
	NODE_PID=
	STEP=
	step() { STEP=$*; echo "--- $STEP"; }
	fail() { echo "FAIL [t_cli_conversation${STEP:+: $STEP}]: $*" >&2; exit 1; }
	cleanup()
	{
		local rc=$?
		[ -n "$NODE_PID" ] && kill "$NODE_PID" 2>/dev/null && wait "$NODE_PID" 2>/dev/null
		if [ "$rc" -eq 0 ]; then echo "PASS t_cli_conversation"; rm -rf "$T"; else
			cat "$T"/*.log >&2 2>/dev/null; echo "FAIL t_cli_conversation (files in $T)" >&2; fi
		exit "$rc"
	}
	trap cleanup EXIT
	echo "NOTE: dnsmeshd/dnsmesh-https not built in $DM_BIN: using the development stand-in node"
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

# Each user: own config home, own passphrase.
alice() { DMP_CONFIG_HOME=$T/alice DMP_PASSPHRASE="alice pass" "$CLI" "$@"; }
bob() { DMP_CONFIG_HOME=$T/bob DMP_PASSPHRASE="bob pass" "$CLI" "$@"; }
carol() { DMP_CONFIG_HOME=$T/carol DMP_PASSPHRASE="carol pass" "$CLI" "$@"; }

# run WANT_RC OUTFILE cmd...: runs, captures stdout+stderr, checks the exit code
# and that nothing crashed (no sanitizer report, no signal).
run()
{
	local want=$1 out=$2 rc
	shift 2
	"$@" >"$out" 2>&1
	rc=$?
	if grep -qE 'Sanitizer|runtime error:' "$out"; then
		cat "$out" >&2
		fail "sanitizer report from: $*"
	fi
	[ "$rc" -eq "$want" ] || { cat "$out" >&2; fail "exit $rc, want $want: $*"; }
}
expect_in() { grep -qF -- "$2" "$1" || { cat "$1" >&2; fail "missing '$2'"; }; }
one_line_error()
{
	local n
	n=$(grep -c '^dnsmesh: ' "$1")
	[ "$n" -ge 1 ] || { cat "$1" >&2; fail "no 'dnsmesh: ' error line"; }
	! grep -qiE 'traceback|segmentation|core dumped' "$1" || fail "crash-like output"
}

step "start the node"
if [ "$REAL" -eq 1 ]; then
	export DMP_AUTH_MODE=multi-tenant DMP_REGISTRATION_ENABLED=1 DMP_NODE_HOSTNAME=node.test
	export DMP_REGISTRATION_ENDPOINT_RATE_BURST=100 DMP_CLUSTER_FILE=$T/cluster.json
	dm_start
else
	python3 "$DM_SRC/tests/integration/cli_stand_in_node.py" --dns-port "$DNS_PORT" \
		--http-port "$HTTP_PORT" --ready "$T/ready" 2>"$T/node.log" &
	NODE_PID=$!
	for _ in $(seq 100); do [ -f "$T/ready" ] && break; sleep 0.1; done
	[ -f "$T/ready" ] || fail "stand-in node did not start"
fi
EP=http://127.0.0.1:$HTTP_PORT
ZONE=mesh.test

step "init alice and bob (explicit resolver kept)"
for u in alice bob; do
	run 0 "$T/out" $u init $u --domain $ZONE --endpoint "$EP" --dns-host 127.0.0.1 \
		--dns-port "$DNS_PORT"
	expect_in "$T/out" "wrote $T/$u/config.yaml"
	grep -q "^dns_resolvers: \[\]" "$T/$u/config.yaml" || fail "default pool overrode --dns-host"
	[ "$(stat -c %a "$T/$u/config.yaml")" = 600 ] || fail "config.yaml is not 0600"
done
run 1 "$T/out" alice init alice
one_line_error "$T/out"

step "register at the node (challenge/confirm, host:port)"
for u in alice bob; do
	run 0 "$T/out" $u register --node "127.0.0.1:$HTTP_PORT" --scheme http
	expect_in "$T/out" "registered $u@$ZONE"
	f=$T/$u/tokens/127.0.0.1_$HTTP_PORT.json
	[ -f "$f" ] || fail "token file $f missing"
	[ "$(stat -c %a "$f")" = 600 ] || fail "token file is not 0600"
done
run 0 "$T/out" alice token list
expect_in "$T/out" "127.0.0.1_$HTTP_PORT"

step "publish identities and prekeys"
for u in alice bob; do
	run 0 "$T/out" $u identity publish
	expect_in "$T/out" "published identity to id-"
done
run 0 "$T/out" bob identity refresh-prekeys --count 2
expect_in "$T/out" "published 2/2 prekeys"

step "fetch each other"
run 0 "$T/out" alice identity fetch bob --add
expect_in "$T/out" "added contact bob (pinned signing key)"
run 0 "$T/out" bob identity fetch alice --add
run 0 "$T/out" alice contacts list
expect_in "$T/out" "(pinned)"
run 2 "$T/out" alice identity fetch nobody-here
one_line_error "$T/out"

step "alice -> bob with prekeys (argument and stdin)"
# One at a time: a sender picks a prekey at random, so two messages in flight
# may pick the same one and the second would be undeliverable (as in 0.4.4).
run 0 "$T/out" alice send bob "hello bob"
expect_in "$T/out" "sent → bob"
run 0 "$T/out" bob recv
expect_in "$T/out" "from alice"
expect_in "$T/out" "hello bob"
echo "second, from stdin" >"$T/msg"
run 0 "$T/out" bash -c "DMP_CONFIG_HOME=$T/alice DMP_PASSPHRASE='alice pass' '$CLI' send bob <'$T/msg'"
run 0 "$T/out" bob recv
expect_in "$T/out" "second, from stdin"
step "replay rejected"
run 0 "$T/out" bob recv
expect_in "$T/out" "(no new messages)"

step "alice -> bob without prekeys (pool used up)"
run 0 "$T/out" alice send bob "third, long-term key"
expect_in "$T/out" "no prekey"
run 0 "$T/out" bob recv
expect_in "$T/out" "third, long-term key"

step "bob -> alice (alice has no prekeys)"
run 0 "$T/out" bob send alice "hi alice"
run 0 "$T/out" alice recv
expect_in "$T/out" "from bob"
expect_in "$T/out" "hi alice"

step "unknown sender goes to the intro queue"
run 0 "$T/out" carol init carol --domain $ZONE --endpoint "$EP" --dns-host 127.0.0.1 \
	--dns-port "$DNS_PORT"
run 0 "$T/out" carol register --node "127.0.0.1:$HTTP_PORT" --scheme http
run 0 "$T/out" carol identity publish
run 0 "$T/out" carol identity fetch bob --add
run 0 "$T/out" carol send bob "hello from a stranger"
run 0 "$T/out" bob recv
expect_in "$T/out" "1 new intro(s)"
run 0 "$T/out" bob intro list
expect_in "$T/out" "hello from a stranger"
id=$(sed -n 's/^#\([0-9]*\) .*/\1/p' "$T/out" | head -n1)
run 0 "$T/out" bob intro accept "$id"
expect_in "$T/out" "hello from a stranger"
run 1 "$T/out" bob intro accept "$id"
one_line_error "$T/out"

step "the same reads over DoH"
sed -i "s|^dns_host:.*|dns_host: null|" "$T/alice/config.yaml"
echo "doh_url: $EP/dns-query" >>"$T/alice/config.yaml"
run 0 "$T/out" bob send alice "over doh"
run 0 "$T/out" alice identity fetch bob
expect_in "$T/out" "username:           bob"
run 0 "$T/out" alice recv
expect_in "$T/out" "over doh"
grep -q "^doh_url: " "$T/alice/config.yaml" || fail "our key was dropped on rewrite"

step "a reference config directory is read unchanged"
mkdir -p "$T/ref"
# Passphrase, salt and the reference's keys from identity_derivation.json.
VEC=${DM_VECTORS_DIR:-$DM_SRC/../shared/vectors}/identity_derivation.json
read -r PASS SALT WANT_X WANT_E WANT_UID < <(python3 - "$VEC" <<'PY'
import json, sys
c = next(c for c in json.load(open(sys.argv[1]))["cases"]
         if c.get("kind") == "passphrase" and c.get("salt_hex") and c["passphrase"].isprintable())
print(c["passphrase"].replace(" ", "\x01"), c["salt_hex"], c["x25519_public_hex"],
      c["ed25519_public_hex"], c["user_id_hex"])
PY
)
PASS=${PASS//$'\x01'/ }
bob_x=$(sed -n 's/^public_key: //p' < <(bob identity show))
bob_e=$(sed -n 's/^signing_public_key: //p' < <(bob identity show))
cat >"$T/ref/config.yaml" <<YAML
bootstrap_signer_spk: ''
bootstrap_user_domain: ''
cluster_base_domain: ''
cluster_enabled: false
cluster_node_token: ''
cluster_operator_spk: ''
cluster_refresh_interval: 3600
contacts:
  bob:
    domain: ''
    pub: $bob_x
    spk: $bob_e
dns_host: 127.0.0.1
dns_port: $DNS_PORT
dns_resolvers: []
domain: $ZONE
endpoint: $EP
http_token: null
identity_domain: ''
kdf_salt: $SALT
passphrase_file: null
username: dave
verify_pubkey: ''
YAML
[ -n "$WANT_UID" ] || fail "no passphrase case in $VEC"
run 0 "$T/out" env DMP_CONFIG_HOME="$T/ref" DMP_PASSPHRASE="$PASS" "$CLI" identity show
expect_in "$T/out" "public_key: $WANT_X"
expect_in "$T/out" "signing_public_key: $WANT_E"
expect_in "$T/out" "user_id: $WANT_UID"
run 0 "$T/out" env DMP_CONFIG_HOME="$T/ref" "$CLI" contacts list
expect_in "$T/out" "$bob_x"
run 0 "$T/out" env DMP_CONFIG_HOME="$T/ref" DMP_PASSPHRASE="$PASS" "$CLI" register \
	--node "127.0.0.1:$HTTP_PORT" --scheme http
run 0 "$T/out" env DMP_CONFIG_HOME="$T/ref" DMP_PASSPHRASE="$PASS" "$CLI" send bob "from dave"
run 0 "$T/out" env DMP_CONFIG_HOME="$T/ref" DMP_PASSPHRASE="$PASS" "$CLI" identity show
expect_in "$T/out" "user_id: $WANT_UID"
grep -q "^kdf_salt: '\?$SALT" "$T/ref/config.yaml" || fail "salt changed on rewrite"
run 1 "$T/out" env DMP_CONFIG_HOME="$T/ref" DMP_PASSPHRASE="typo" "$CLI" identity show
expect_in "$T/out" "passphrase does not match"

step "node stopped: clear, fast failures"
if [ "$REAL" -eq 1 ]; then dm_stop; else kill "$NODE_PID"; wait "$NODE_PID" 2>/dev/null; NODE_PID=; fi
start=$(date +%s)
run 2 "$T/out" bob recv
expect_in "$T/out" "127.0.0.1:$DNS_PORT"
one_line_error "$T/out"
run 2 "$T/out" bob send alice "nobody home"
expect_in "$T/out" "127.0.0.1:$HTTP_PORT"
one_line_error "$T/out"
run 2 "$T/out" alice recv
one_line_error "$T/out"
[ $(($(date +%s) - start)) -lt 20 ] || fail "failures were not fast"
exit 0
