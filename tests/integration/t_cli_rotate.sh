#!/usr/bin/env bash
# `dnsmesh identity rotate` end to end (cli.md §6 rotate, §8; wire.md §3,
# §12.7, §12.8). Alice and bob talk through a node; alice rotates to a new
# passphrase (routine, --yes, 0400 file). Checked on the wire with dig (and
# dnsmesh-node-admin on the real node) plus an independent Python reader
# (rotation_wire.py): the co-signed rotation record at rotate.id-<u16>.<zone>,
# no revocation for a routine rotation, the new identity record beside the
# old one; alice's config derives the new keys; bob's fetch shows the new key
# but his pinned contact is not overwritten and a message under the new key
# is not delivered as from the pinned alice (no rotation-chain acceptance in
# the 0.4.4 CLI) until he re-pins. Then a compromise rotation with the old
# DMP_PASSPHRASE still exported (exit 3, revocation of the old key) and a
# lost_key rotation from DMP_NEW_PASSPHRASE (config left alone). Refusals:
# no --experimental, bad --reason, missing/empty/same passphrase, and no
# --yes without a tty — none of which publish anything.
#
# The node is dnsmeshd (tests/integration/lib.sh) when it is built; if not,
# the development stand-in cli_stand_in_node.py, and the test says so.
set -uo pipefail
: "${DM_BIN:?DM_BIN must point at the bin directory of a build}"
DM_SRC=${DM_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
CLI=$DM_BIN/dnsmesh
[ -x "$CLI" ] || { echo "SKIP: $CLI not built"; exit 77; }
for tool in python3 dig setsid; do
	command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
python3 -c 'import cryptography' 2>/dev/null || { echo "SKIP: python3 cryptography missing"; exit 77; }

if [ -x "$DM_BIN/dnsmeshd" ] && [ -x "$DM_BIN/dnsmesh-https" ] && [ -x "$DM_BIN/dnsmesh-dns" ] &&
	[ -z "${DM_CLI_STAND_IN:-}" ]; then
	REAL=1
	source "$DM_SRC/tests/integration/lib.sh"
	set +e
	step() { dm_step "$@"; }
	fail() { dm_fail "$*"; }
else
	REAL=0
	while read -r v; do unset "$v"; done < <(compgen -e | grep -E '^DMP_' || true)
	T=$(mktemp -d "${TMPDIR:-/tmp}/dm-t_cli_rotate.XXXXXX")
	ports=$(python3 "$DM_SRC/tests/integration/free_ports.py" 2)
	DNS_PORT=$(sed -n 1p <<<"$ports")
	HTTP_PORT=$(sed -n 2p <<<"$ports")
	NODE_PID=
	STEP=
	step() { STEP=$*; echo "--- $STEP"; }
	fail() { echo "FAIL [t_cli_rotate${STEP:+: $STEP}]: $*" >&2; exit 1; }
	cleanup()
	{
		local rc=$?
		[ -n "$NODE_PID" ] && kill "$NODE_PID" 2>/dev/null && wait "$NODE_PID" 2>/dev/null
		if [ "$rc" -eq 0 ]; then echo "PASS t_cli_rotate"; rm -rf "$T"; else
			cat "$T"/*.log >&2 2>/dev/null; echo "FAIL t_cli_rotate (files in $T)" >&2; fi
		exit "$rc"
	}
	trap cleanup EXIT
	echo "NOTE: dnsmeshd/dnsmesh-https not built in $DM_BIN: using the development stand-in node"
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
WIRE=$DM_SRC/tests/integration/rotation_wire.py

# Alice's passphrase comes from passphrase_file in her config (set below), as
# for a user who rotates: an exported DMP_PASSPHRASE would have to be the old
# one and is the exit-3 case.
alice() { DMP_CONFIG_HOME=$T/alice "$CLI" "$@"; }
bob() { DMP_CONFIG_HOME=$T/bob DMP_PASSPHRASE="bob pass" "$CLI" "$@"; }

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
expect_not_in() { ! grep -qF -- "$2" "$1" || { cat "$1" >&2; fail "unexpected '$2'"; }; }
one_line_error()
{
	local n
	n=$(grep -c '^dnsmesh: ' "$1")
	[ "$n" -ge 1 ] || { cat "$1" >&2; fail "no 'dnsmesh: ' error line"; }
	! grep -qiE 'traceback|segmentation|core dumped' "$1" || fail "crash-like output"
}
# field KEY FILE: the value of a `key: value` / `key=value` line.
field() { sed -n "s/^$1[:=] *//p" "$2" | head -n 1; }
now_ms() { date +%s%3N; }

# txt NAME: the TXT values at NAME as the DNS server answers them, one per line.
txt() { dig +short +norec +time=3 +tries=2 -p "$DNS_PORT" @127.0.0.1 "$1" TXT | python3 "$WIRE" join; }
# values NAME PREFIX: the values at NAME that start with PREFIX.
values() { txt "$1" | grep -c "^$2"; }
# same_as_store NAME: on the real node, the store holds exactly what DNS serves.
same_as_store()
{
	[ "$REAL" -eq 1 ] || return 0
	"$DM_BIN/dnsmesh-node-admin" get "$1" | sort >"$T/store" || fail "node-admin get $1"
	txt "$1" | sort >"$T/dns"
	cmp -s "$T/store" "$T/dns" || { diff "$T/store" "$T/dns" >&2; fail "store and DNS differ at $1"; }
}

step "start the node"
if [ "$REAL" -eq 1 ]; then
	export DMP_AUTH_MODE=multi-tenant DMP_REGISTRATION_ENABLED=1 DMP_NODE_HOSTNAME=node.test
	export DMP_REGISTRATION_ENDPOINT_RATE_BURST=100 DMP_CLUSTER_FILE=$T/cluster.json
	OP=op-$RANDOM$RANDOM$RANDOM
	export DMP_OPERATOR_TOKEN=$OP
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
U16=$(printf %s alice | sha256sum | cut -c1-16)
ID_NAME=id-$U16.$ZONE
ROT_NAME=rotate.id-$U16.$ZONE
ROT_PREFIX='v=dmp1;t=rotation;'
REV_PREFIX='v=dmp1;t=revocation;'
ID_PREFIX='v=dmp1;t=identity;d='

step "set up alice and bob, exchange a message"
umask 077
printf 'alice pass\n' >"$T/alice-old.pass"
chmod 0400 "$T/alice-old.pass"
for u in alice bob; do
	run 0 "$T/out" $u init $u --domain $ZONE --endpoint "$EP" --dns-host 127.0.0.1 \
		--dns-port "$DNS_PORT"
done
sed -i "s|^passphrase_file:.*|passphrase_file: $T/alice-old.pass|" "$T/alice/config.yaml"
for u in alice bob; do
	run 0 "$T/out" $u register --node "127.0.0.1:$HTTP_PORT" --scheme http
	run 0 "$T/out" $u identity publish
done
run 0 "$T/out" alice identity fetch bob --add
run 0 "$T/out" bob identity fetch alice --add
expect_in "$T/out" "added contact alice (pinned signing key)"
run 0 "$T/out" alice send bob "before rotation"
run 0 "$T/out" bob recv
expect_in "$T/out" "before rotation"
run 0 "$T/out" alice identity show
OLD_E=$(field signing_public_key "$T/out")
OLD_X=$(field public_key "$T/out")
SALT=$(sed -n 's/^kdf_salt: //p' "$T/alice/config.yaml")
[ ${#OLD_E} -eq 64 ] || fail "no signing key in identity show"
grep -q "^verify_pubkey: '\?$OLD_E" "$T/alice/config.yaml" || fail "tripwire not set to the old key"

step "refusals publish nothing"
printf 'alice new pass\n' >"$T/alice-new.pass"
chmod 0400 "$T/alice-new.pass"
cp "$T/alice/config.yaml" "$T/config.before"
run 1 "$T/out" alice identity rotate --yes --new-passphrase-file "$T/alice-new.pass"
one_line_error "$T/out"
expect_in "$T/out" "--experimental"
run 2 "$T/out" alice identity rotate --experimental --yes --new-passphrase-file \
	"$T/alice-new.pass" --reason sideways
one_line_error "$T/out"
expect_in "$T/out" "--reason"
run 1 "$T/out" alice identity rotate --experimental --yes --new-passphrase-file "$T/nope.pass"
one_line_error "$T/out"
printf ' \n' >"$T/empty.pass"
run 1 "$T/out" alice identity rotate --experimental --yes --new-passphrase-file "$T/empty.pass"
one_line_error "$T/out"
expect_in "$T/out" "empty"
run 1 "$T/out" alice identity rotate --experimental --yes --new-passphrase-file \
	"$T/alice-old.pass"
one_line_error "$T/out"
expect_in "$T/out" "same key"
# No --yes and no controlling terminal: the confirmation cannot be given.
run 1 "$T/out" setsid -w env DMP_CONFIG_HOME="$T/alice" "$CLI" identity rotate --experimental \
	--new-passphrase-file "$T/alice-new.pass" </dev/null
one_line_error "$T/out"
expect_in "$T/out" "aborted"
expect_in "$T/out" "$OLD_E"
[ -z "$(txt "$ROT_NAME")" ] || fail "a refused rotation published at $ROT_NAME"
[ "$(values "$ID_NAME" "$ID_PREFIX")" -eq 1 ] || fail "a refused rotation published an identity"
cmp -s "$T/config.before" "$T/alice/config.yaml" || fail "a refused rotation changed the config"

# On a multi-tenant node alice's own self-service token publishes the rotation:
# rotate.id-<u16>.<domain> belongs to the owner of id-<u16>.<domain> (docs/HTTP.md;
# the 0.4.4 node leaves it operator-only, so its users could never rotate).

step "alice rotates (routine, --yes, passphrase file)"
t0=$(now_ms)
run 0 "$T/out" alice identity rotate --experimental --yes --new-passphrase-file \
	"$T/alice-new.pass" --ttl 3600 --exp-seconds 864000
t1=$(now_ms)
expect_in "$T/out" "published rotation to $ROT_NAME and the new identity to $ID_NAME"
expect_in "$T/out" "Next steps"
NEW_E=$(sed -n 's/^new signing key: //p' "$T/out")
[ "$(sed -n 's/^old signing key: //p' "$T/out")" = "$OLD_E" ] || fail "old key shown wrongly"
[ ${#NEW_E} -eq 64 ] && [ "$NEW_E" != "$OLD_E" ] || fail "no distinct new key shown"

step "the rotation record at $ROT_NAME"
txt "$ROT_NAME" >"$T/rot.txt"
[ "$(wc -l <"$T/rot.txt")" -eq 1 ] || { cat "$T/rot.txt" >&2; fail "want exactly one value"; }
[ "$(values "$ROT_NAME" "$ROT_PREFIX")" -eq 1 ] || fail "not a rotation record"
[ "$(values "$ROT_NAME" "$REV_PREFIX")" -eq 0 ] || fail "a routine rotation published a revocation"
same_as_store "$ROT_NAME"
python3 "$WIRE" rotation "$(cat "$T/rot.txt")" >"$T/rot" || fail "rotation does not verify"
cat "$T/rot"
[ "$(field subject_type "$T/rot")" = 1 ] || fail "subject_type is not 1 (user)"
[ "$(field subject "$T/rot")" = "alice@$ZONE" ] || fail "wrong subject"
[ "$(field old_spk "$T/rot")" = "$OLD_E" ] || fail "old_spk is not alice's old key"
[ "$(field new_spk "$T/rot")" = "$NEW_E" ] || fail "new_spk is not the key shown"
seq=$(field seq "$T/rot")
ts=$(field ts "$T/rot")
[ "$seq" -ge "$t0" ] && [ "$seq" -le "$t1" ] || fail "seq $seq is not the ms epoch ($t0..$t1)"
[ "$ts" -ge $((t0 / 1000)) ] && [ "$ts" -le $((t1 / 1000)) ] || fail "ts $ts is not now"
[ "$(field exp "$T/rot")" -eq $((ts + 864000)) ] || fail "exp is not ts + --exp-seconds"
ttl=$(dig +noall +answer +norec -p "$DNS_PORT" @127.0.0.1 "$ROT_NAME" TXT | awk '{print $2; exit}')
[ -n "$ttl" ] && [ "$ttl" -le 3600 ] && [ "$ttl" -gt 0 ] || fail "TTL $ttl, want --ttl 3600"

step "the new identity record beside the old one"
txt "$ID_NAME" >"$T/ids.txt"
[ "$(wc -l <"$T/ids.txt")" -eq 2 ] || { cat "$T/ids.txt" >&2; fail "want old and new identity"; }
same_as_store "$ID_NAME"
found=0
while read -r v; do
	python3 "$WIRE" identity "$v" >"$T/id" || fail "identity record does not verify"
	[ "$(field username "$T/id")" = alice ] || fail "identity username"
	if [ "$(field signing_public_key "$T/id")" = "$NEW_E" ]; then
		found=1
		NEW_X=$(field public_key "$T/id")
	fi
done <"$T/ids.txt"
[ "$found" -eq 1 ] || fail "no identity record for the new key"

step "alice's config derives the new keys"
run 0 "$T/out" alice identity show
[ "$(field signing_public_key "$T/out")" = "$NEW_E" ] || fail "identity show: not the new key"
[ "$(field public_key "$T/out")" = "$NEW_X" ] || fail "identity show: not the new x25519 key"
grep -q "^passphrase_file: '\?$T/alice-new.pass" "$T/alice/config.yaml" ||
	fail "passphrase_file not pointed at the new file"
grep -q "^verify_pubkey: '\?$NEW_E" "$T/alice/config.yaml" || fail "tripwire not updated"
[ "$(sed -n 's/^kdf_salt: //p' "$T/alice/config.yaml")" = "$SALT" ] || fail "kdf_salt changed"
[ "$(stat -c %a "$T/alice/config.yaml")" = 600 ] || fail "config.yaml is not 0600"
# The old passphrase now trips the tripwire instead of silently using the old key.
run 1 "$T/out" env DMP_CONFIG_HOME="$T/alice" DMP_PASSPHRASE="alice pass" "$CLI" identity show
expect_in "$T/out" "passphrase does not match"

step "bob: fetch shows the new key, the pin is kept (cli.md §6 fetch, §8)"
run 0 "$T/out" bob identity fetch alice
expect_in "$T/out" "signing_public_key: $NEW_E"
expect_in "$T/out" "public_key:         $NEW_X"
run 0 "$T/out" bob identity fetch alice --add
expect_in "$T/out" "already exists; not overwriting"
grep -A3 '^  alice:' "$T/bob/config.yaml" | grep -q "spk: '\?$OLD_E" || fail "bob's pin was changed"

step "bob: a message under the new key is not from the pinned alice"
run 0 "$T/out" alice send bob "after rotation"
run 0 "$T/out" bob recv
cat "$T/out"
expect_not_in "$T/out" "after rotation"
expect_not_in "$T/out" "${NEW_E:0:16}"
expect_not_in "$T/out" "from alice"
# The claim path queues an unpinned sender as an intro (cli.md §6 recv).
expect_in "$T/out" "1 new intro(s)"
run 0 "$T/out" bob intro list
expect_in "$T/out" "after rotation"
expect_in "$T/out" "$NEW_E"
# bob still encrypts to alice's old key, which alice no longer derives.
run 0 "$T/out" bob send alice "to the old key"
run 0 "$T/out" alice recv
expect_not_in "$T/out" "to the old key"

step "bob re-pins; both directions work with the new key"
run 0 "$T/out" bob contacts remove alice
run 0 "$T/out" bob identity fetch alice --add
expect_in "$T/out" "added contact alice (pinned signing key)"
grep -A3 '^  alice:' "$T/bob/config.yaml" | grep -q "spk: '\?$NEW_E" || fail "bob did not pin the new key"
run 0 "$T/out" alice send bob "pinned again"
run 0 "$T/out" bob recv
expect_in "$T/out" "from alice (${NEW_E:0:16}...)"
expect_in "$T/out" "pinned again"
run 0 "$T/out" bob send alice "to the new key"
run 0 "$T/out" alice recv
expect_in "$T/out" "to the new key"

step "compromise rotation with the old DMP_PASSPHRASE exported: exit 3"
printf 'alice third pass\n' >"$T/alice-3.pass"
chmod 0400 "$T/alice-3.pass"
t0=$(now_ms)
# A relative --new-passphrase-file, given from another directory.
run 3 "$T/out" bash -c "cd '$T' && DMP_CONFIG_HOME='$T/alice' DMP_PASSPHRASE='alice new pass' \
	exec '$CLI' identity rotate --experimental --yes --new-passphrase-file alice-3.pass \
	--reason compromise"
expect_in "$T/out" "DMP_PASSPHRASE"
grep -q "^passphrase_file: '\?$T/alice-3.pass" "$T/alice/config.yaml" ||
	fail "a relative passphrase file is not stored absolute"
THIRD_E=$(sed -n 's/^new signing key: //p' "$T/out")
[ "$(values "$ROT_NAME" "$ROT_PREFIX")" -eq 2 ] || fail "want two rotation records"
[ "$(values "$ROT_NAME" "$REV_PREFIX")" -eq 1 ] || fail "want one revocation"
same_as_store "$ROT_NAME"
python3 "$WIRE" revocation "$(txt "$ROT_NAME" | grep "^$REV_PREFIX")" >"$T/rev" ||
	fail "revocation does not verify"
cat "$T/rev"
[ "$(field subject_type "$T/rev")" = 1 ] || fail "revocation subject_type"
[ "$(field subject "$T/rev")" = "alice@$ZONE" ] || fail "revocation subject"
[ "$(field revoked_spk "$T/rev")" = "$NEW_E" ] || fail "revocation is not of the rotated-away key"
[ "$(field reason "$T/rev")" = 1 ] || fail "reason is not 1 (compromise)"
[ "$(field ts "$T/rev")" -ge $((t0 / 1000)) ] || fail "revocation ts"
ok=0
while read -r v; do
	python3 "$WIRE" rotation "$v" >"$T/rot" || fail "a rotation does not verify"
	[ "$(field old_spk "$T/rot")" = "$NEW_E" ] && [ "$(field new_spk "$T/rot")" = "$THIRD_E" ] &&
		[ "$(field seq "$T/rot")" -gt "$seq" ] && ok=1
done < <(txt "$ROT_NAME" | grep "^$ROT_PREFIX")
[ "$ok" -eq 1 ] || fail "no rotation $NEW_E -> $THIRD_E with a higher seq"
# Published and swapped all the same: only the shell needs fixing.
run 0 "$T/out" alice identity show
[ "$(field signing_public_key "$T/out")" = "$THIRD_E" ] || fail "config not swapped"
run 0 "$T/out" bob identity fetch alice
expect_in "$T/out" "signing_public_key: $THIRD_E"

step "lost_key rotation from DMP_NEW_PASSPHRASE: published, config left alone"
cp "$T/alice/config.yaml" "$T/config.before"
run 0 "$T/out" env DMP_CONFIG_HOME="$T/alice" DMP_NEW_PASSPHRASE="alice fourth pass" "$CLI" \
	identity rotate --experimental --yes --reason lost_key 2>/dev/null
FOURTH_E=$(sed -n 's/^new signing key: //p' "$T/out")
expect_in "$T/out" "update passphrase_file / DMP_PASSPHRASE"
cmp -s "$T/config.before" "$T/alice/config.yaml" || fail "config changed without a passphrase file"
[ "$(values "$ROT_NAME" "$REV_PREFIX")" -eq 2 ] || fail "want a second revocation"
python3 "$WIRE" revocation "$(txt "$ROT_NAME" | grep "^$REV_PREFIX" |
	while read -r v; do python3 "$WIRE" revocation "$v" | grep -q "reason=3" && echo "$v"; done |
	head -n 1)" >"$T/rev" || fail "no verifying lost_key revocation"
[ "$(field revoked_spk "$T/rev")" = "$THIRD_E" ] || fail "lost_key revocation of the wrong key"
run 0 "$T/out" env DMP_CONFIG_HOME="$T/alice" DMP_PASSPHRASE="alice fourth pass" \
	DMP_PASSPHRASE_OVERRIDE_VERIFY=1 "$CLI" identity show
expect_in "$T/out" "signing_public_key: $FOURTH_E"
run 0 "$T/out" bob identity fetch alice
expect_in "$T/out" "signing_public_key: $FOURTH_E"
[ "$(values "$ID_NAME" "$ID_PREFIX")" -eq 4 ] || fail "want four identity records"

if [ "$REAL" -eq 1 ]; then dm_stop; fi
exit 0
