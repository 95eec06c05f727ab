#!/usr/bin/env python3
"""A hostile sync peer for t_cluster_forged.sh: serves the node.md §9
digest/pull JSON like a 0.4.4 reference node (no summary endpoint: 404),
but with forged, altered, swapped and smuggled records mixed in with
genuine ones. argv: port token records.json log-file. records.json is a
list of {"name", "value"} with optional "advertise" (a value whose hash the
digest advertises instead), and "smuggle" (served by pull although never
advertised). Each request is appended to the log file."""
import hashlib
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

port, token, recfile, logfile = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
records = json.load(open(recfile))
now_ms = int(time.time() * 1000)
entries = []
for k, r in enumerate(records):
    if r.get("smuggle"):
        continue
    shown = r.get("advertise", r["value"])
    h = hashlib.sha256(shown.encode()).hexdigest()
    entries.append({"name": r["name"], "hash": h, "ts": now_ms - 10000 + k, "ttl": 3600})
entries.sort(key=lambda e: (e["ts"], e["name"].encode(), e["hash"]))


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *a):
        pass

    def reply(self, status, obj=None):
        body = b"" if obj is None else json.dumps(obj).encode()
        self.send_response(status)
        if obj is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def authed(self):
        if self.headers.get("Authorization", "") != "Bearer " + token:
            self.reply(403, {"error": "forbidden"})
            return False
        return True

    def do_GET(self):
        u = urlsplit(self.path)
        with open(logfile, "a") as f:
            f.write("GET %s\n" % self.path)
        if not self.authed():
            return
        if u.path == "/v1/sync/digest":
            q = parse_qs(u.query)
            ts, name, h = q.get("cursor", ["0::"])[0].split(":", 2)
            cur = (int(ts), name.encode(), h)
            page = [e for e in entries if (e["ts"], e["name"].encode(), e["hash"]) > cur]
            limit = int(q.get("limit", ["1000"])[0])
            out = page[:limit]
            last = out[-1] if out else None
            nc = "%d:%s:%s" % (last["ts"], last["name"], last["hash"]) if last else "%s:%s:%s" % (ts, name, h)
            self.reply(200, {"records": out, "has_more": len(page) > limit, "next_cursor": nc})
        elif u.path == "/v1/sync/cluster-manifest":
            self.reply(204)
        else:
            self.reply(404, {"error": "not found"})

    def do_POST(self):
        u = urlsplit(self.path)
        n = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(n) or b"{}")
        with open(logfile, "a") as f:
            f.write("POST %s %s\n" % (self.path, json.dumps(body)))
        if not self.authed():
            return
        if u.path != "/v1/sync/pull":
            self.reply(404, {"error": "not found"})
            return
        want = set(body.get("names", []))
        out = [{"name": r["name"], "value": r["value"], "ttl": 3600} for r in records
               if r["name"] in want or r.get("smuggle")]
        self.reply(200, {"records": out})


ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
