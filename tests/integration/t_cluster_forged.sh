#!/usr/bin/env bash
# A peer that serves forged or altered records is refused: a node syncing
# from a hostile peer (a 0.4.4-style stand-in in python, no summary
# endpoint) stores the genuine records it advertises and refuses a slot
# manifest with a broken signature, an identity whose body was altered, a
# cluster manifest signed by another key, a value whose hash is not the one
# advertised, and a value the peer never advertised. Refused values are not
# pulled again round after round.
. "$(dirname "$0")/lib_cluster.sh"
CL_INTERVAL=0.5
VEC=${DM_VECTORS_DIR:-$DM_SRC/../shared/vectors}
[ -f "$VEC/identity_record.json" ] || { echo "SKIP: vectors not found at $VEC"; exit 77; }

cl_setup 1
FAKE_PORT=$(python3 "$DM_IT/free_ports.py" 1)
read -r other_seed _ < <("$DM_BIN/dnsmesh-node-admin" cluster keygen)
bad_cluster=$("$DM_BIN/dnsmesh-node-admin" cluster sign --key "$other_seed" --name "$CL_BASE" \
	--seq 99 --exp $(($(date +%s) + 86400)) --node "evil=http://127.0.0.1:$FAKE_PORT")

python3 - "$VEC" "$bad_cluster" >"$T/records.json" <<'PY'
import base64, json, sys
vec, bad_cluster = sys.argv[1], sys.argv[2]
ident = [bytes.fromhex(c["expected_wire_hex"]).decode() for c in json.load(open(vec + "/identity_record.json"))]
mani = [bytes.fromhex(c["expected_wire_hex"]).decode() for c in json.load(open(vec + "/slot_manifest.json"))]
def tamper(value, prefix, index):
    blob = bytearray(base64.b64decode(value[len(prefix):]))
    blob[index] ^= 0x01
    return prefix + base64.b64encode(bytes(blob)).decode()
recs = [
    {"name": "id.mesh.test", "value": ident[0]},
    {"name": "mf.mesh.test", "value": mani[0]},
    {"name": "opaque.mesh.test", "value": "v=dmp1;t=chunk;d=b2s="},
    {"name": "forged.mesh.test", "value": tamper(mani[0], "v=dmp1;t=manifest;d=", -1)},
    {"name": "altered.mesh.test", "value": tamper(ident[1], "v=dmp1;t=identity;d=", 1)},
    {"name": "cluster.mesh.test", "value": bad_cluster},
    {"name": "swap.mesh.test", "value": "v=dmp1;t=chunk;d=c3dhcA==",
     "advertise": "v=dmp1;t=chunk;d=b3JpZw=="},
    {"name": "smuggle.mesh.test", "value": "v=dmp1;t=chunk;d=c211Zw==", "smuggle": True},
]
print(json.dumps(recs))
PY
python3 "$DM_IT/fake_sync_peer.py" "$FAKE_PORT" "$CL_TOKEN" "$T/records.json" "$T/peer.log" &
CL_EXTRA_PIDS=$!
cl_wait_for 10 "the fake peer" curl -s -o /dev/null "http://127.0.0.1:$FAKE_PORT/"

cl_step "sync from the hostile peer"
cl_start 1 DMP_SYNC_PEERS="http://127.0.0.1:$FAKE_PORT"
val() { python3 -c 'import json,sys; print([r["value"] for r in json.load(open(sys.argv[1])) if r["name"] == sys.argv[2]][0])' "$T/records.json" "$1"; }
for n in id mf opaque; do cl_wait_txt 1 "$n.mesh.test" "$(val "$n.mesh.test")" 10; done

cl_step "forged, altered, foreign-key, swapped and smuggled values are refused"
sleep 3
for n in forged altered swap smuggle; do
	[ -z "$(cl_txt 1 "$n.mesh.test")" ] || cl_fail "node 1 stored $n.mesh.test: $(cl_txt 1 "$n.mesh.test")"
done
cl_lacks_txt 1 cluster.mesh.test "$bad_cluster" || cl_fail "node 1 stored a manifest of another key"
cl_has_txt 1 cluster.mesh.test "$CL_WIRE" || cl_fail "node 1 lost its own cluster manifest"
grep -q 'rejected 3 (failed verification)' "$(cl_log 1)" || cl_fail "no round logged 3 rejected values"
grep -q 'dropped 2' "$(cl_log 1)" || cl_fail "no round logged the swapped and smuggled values"

cl_step "refused values are not pulled again every round"
pulls=$(grep -c '^POST /v1/sync/pull' "$T/peer.log")
[ "$pulls" -le 2 ] || cl_fail "$pulls pulls from the hostile peer"
digests=$(grep -c '^GET /v1/sync/digest' "$T/peer.log")
[ "$digests" -ge 4 ] || cl_fail "only $digests digest requests in 3 s"
grep -q '^GET /v1/sync/summary' "$T/peer.log" || cl_fail "the summary was never tried"

cl_stop 1
