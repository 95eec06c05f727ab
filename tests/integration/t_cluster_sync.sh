#!/usr/bin/env bash
# Three nodes with a signed cluster manifest: a write to one node is in the
# DNS answers of the other two within two sync intervals; nodes in sync agree
# on the O(1) summary and their rounds are a single request; the sync
# endpoints' auth and error shapes (node.md §9.1-§9.3); kill -9 of the sync
# service alone leaves DNS and HTTP answering and dnsmeshd restarts it.
. "$(dirname "$0")/lib_cluster.sh"
CL_INTERVAL=1
CL_LOG_LEVEL=DEBUG

cl_setup 3
cl_step "start three nodes"
for i in 1 2 3; do cl_start "$i"; done
for i in 1 2 3; do
	[ -n "$(cl_svc_pid "$i" sync)" ] || cl_fail "node $i runs no dnsmesh-sync"
done

cl_step "a write to node 1 reaches the DNS answers of nodes 2 and 3 within two intervals"
t0=$(cl_now_ms)
cl_write 1 hello.mesh.test "v=dmp1;t=chunk;d=aGVsbG8="
for i in 2 3; do cl_wait_txt "$i" hello.mesh.test "v=dmp1;t=chunk;d=aGVsbG8=" 5; done
elapsed=$(($(cl_now_ms) - t0))
echo "    converged in $elapsed ms (interval ${CL_INTERVAL} s)"
# Two intervals, plus a quarter interval for the round itself on a loaded CI box.
[ "$elapsed" -le $((2 * CL_INTERVAL * 1000 + 250 * CL_INTERVAL)) ] ||
	cl_fail "took $elapsed ms, more than two sync intervals"

cl_step "writes to every node converge everywhere"
for i in 1 2 3; do
	for k in 1 2 3; do cl_write "$i" "w$k.n$i.mesh.test" "value-$i-$k"; done
done
for i in 1 2 3; do
	for j in 1 2 3; do
		for k in 1 2 3; do cl_wait_txt "$j" "w$k.n$i.mesh.test" "value-$i-$k" 10; done
	done
done

cl_step "in sync: equal summaries, and rounds of one request"
# The set part of a summary (max_cursor is each node's own stored_ts).
set_of() { cl_summary "$1" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["records"], d["digest"], d["tombstones"], d["tomb_digest"])'; }
same() { [ "$(set_of 1)" = "$(set_of 2)" ] && [ "$(set_of 2)" = "$(set_of 3)" ]; }
cl_wait_for 10 "equal summaries" same
# 10 records and the cluster manifest each node published
[ "$(set_of 1 | cut -d' ' -f1)" = 11 ] || cl_fail "summary does not count 11 records: $(cl_summary 1)"
mark=$(wc -l <"$(cl_log 2)")
sleep $((3 * CL_INTERVAL))
tail -n +"$((mark + 1))" "$(cl_log 2)" | grep -q 'in sync, 1 request(s)' ||
	cl_fail "node 2 logged no single-request in-sync round"

cl_step "sync endpoints: token, error shapes, cluster manifest"
H="http://127.0.0.1:${CL_HTTP[1]}"
code=$(curl -s -o /dev/null -w '%{http_code}' "$H/v1/sync/digest")
[ "$code" = 403 ] || cl_fail "digest without the token answered $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer wrong" "$H/v1/sync/digest")
[ "$code" = 403 ] || cl_fail "digest with a wrong token answered $code"
auth=(-H "Authorization: Bearer $CL_TOKEN")
body=$(curl -s "${auth[@]}" "$H/v1/sync/digest?cursor=bad")
[ "$body" = '{"error": "cursor must be '"'"'<ts>:<name>:<value_hash>'"'"'"}' ] ||
	[ "$body" = '{"error":"cursor must be '"'"'<ts>:<name>:<value_hash>'"'"'"}' ] ||
	cl_fail "bad cursor: $body"
body=$(curl -s "${auth[@]}" "$H/v1/sync/digest?limit=0")
grep -q 'limit must be > 0' <<<"$body" || cl_fail "limit=0: $body"
body=$(curl -s "${auth[@]}" "$H/v1/sync/digest?limit=x")
grep -q 'limit must be an integer' <<<"$body" || cl_fail "limit=x: $body"
python3 - "$H" "$CL_TOKEN" <<'PY' || cl_fail "digest paging or pull shape"
import json, sys, urllib.request
base, tok = sys.argv[1], sys.argv[2]
def get(path, body=None):
    req = urllib.request.Request(base + path, data=body,
                                 headers={"Authorization": "Bearer " + tok,
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return r.status, json.loads(r.read() or b"null")
seen, cursor = [], "0::"
while True:
    st, d = get("/v1/sync/digest?cursor=%s&limit=3" % cursor)
    assert st == 200 and set(d) == {"records", "has_more", "next_cursor"}, d
    for e in d["records"]:
        assert set(e) == {"name", "hash", "ts", "ttl"}, e
        assert len(e["hash"]) == 64 and e["ttl"] >= 1
    seen += d["records"]
    if not d["has_more"]:
        break
    last = d["records"][-1]
    assert d["next_cursor"] == "%d:%s:%s" % (last["ts"], last["name"], last["hash"])
    cursor = d["next_cursor"]
keys = [(e["ts"], e["name"].encode(), e["hash"]) for e in seen]
assert keys == sorted(keys) and len(keys) == len(set(keys)), keys
names = sorted({e["name"] for e in seen})
assert len(seen) >= 10, len(seen)
st, d = get("/v1/sync/pull", json.dumps({"names": [" hello.mesh.test. ", "nope.mesh.test"]}).encode())
assert st == 200 and d == {"records": [{"name": "hello.mesh.test",
        "value": "v=dmp1;t=chunk;d=aGVsbG8=", "ttl": d["records"][0]["ttl"]}]}, d
for bad, msg in ((b"{\"names\": 3}", "names must be a list"),
                 (json.dumps({"names": ["a"] * 257}).encode(), "at most 256 names per request"),
                 (b"{\"names\": [1]}", "names must be strings"),
                 (b"[1]", "invalid body")):
    try:
        get("/v1/sync/pull", bad)
        raise SystemExit("pull %r was accepted" % bad)
    except urllib.error.HTTPError as e:
        assert e.code == 400 and json.loads(e.read()) == {"error": msg}, (bad, e.code)
st, d = get("/v1/sync/cluster-manifest")
assert st == 200 and d["seq"] == 1 and d["cluster_name"] == "mesh.test", d
assert d["wire"].startswith("v=dmp1;t=cluster;"), d
PY

cl_step "kill -9 of node 1's sync service: DNS and HTTP keep answering, dnsmeshd restarts it"
old=$(cl_svc_pid 1 sync)
kill -KILL "$old"
cl_has_txt 1 hello.mesh.test "v=dmp1;t=chunk;d=aGVsbG8=" || cl_fail "DNS stopped answering"
code=$(curl -s -o /dev/null -w '%{http_code}' "$H/v1/records/hello.mesh.test")
[ "$code" = 200 ] || cl_fail "HTTP answered $code while sync was down"
restarted() { local p; p=$(cl_svc_pid 1 sync); [ -n "$p" ] && [ "$p" != "$old" ]; }
cl_wait_for 15 "a new dnsmesh-sync on node 1" restarted
cl_write 2 after.mesh.test "written-after-restart"
cl_wait_txt 1 after.mesh.test "written-after-restart" 10

for i in 1 2 3; do cl_stop "$i"; done
