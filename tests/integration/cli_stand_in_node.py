#!/usr/bin/env python3
"""Development stand-in for a dnsmesh node, used by t_cli_*.sh only when the
real node binaries are not built: an in-memory record store behind the
node's HTTP API (records, registration, DoH at /dns-query) and a DNS server
answering TXT over UDP and TCP. No auth beyond issuing tokens; no signature
checks. Optional TLS with --cert/--key.

    cli_stand_in_node.py --dns-port P --http-port Q [--cert C --key K]
                         [--records FILE.json] [--ready FILE]
"""
import argparse
import base64
import json
import os
import secrets
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RECORDS = {}  # name (lower) -> list of values
LOCK = threading.Lock()


def txt_rdata(value):
    b = value.encode()
    parts = [b[i:i + 255] for i in range(0, len(b), 255)] or [b""]
    return b"".join(bytes([len(p)]) + p for p in parts)


def answer(query):
    if len(query) < 12:
        return None
    qid, flags, qd = struct.unpack(">HHH", query[:6])
    off = 12
    labels = []
    while True:
        if off >= len(query):
            return None
        ln = query[off]
        off += 1
        if ln == 0:
            break
        labels.append(query[off:off + ln].decode("latin-1"))
        off += ln
    qtype, qclass = struct.unpack(">HH", query[off:off + 4])
    question = query[12:off + 4]
    name = ".".join(labels)
    with LOCK:
        values = list(RECORDS.get(name.lower(), []))
    rcode = 0 if values else 3
    ans = b""
    if qtype == 16:
        for v in values:
            rd = txt_rdata(v)
            ans += b"\xc0\x0c" + struct.pack(">HHIH", 16, 1, 60, len(rd)) + rd
    else:
        values = []
    hdr = struct.pack(">HHHHHH", qid, 0x8400 | (flags & 0x0100) | rcode, 1,
                      len(values) if qtype == 16 else 0, 0, 0)
    return hdr + question + ans


class UDP(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        resp = answer(data)
        if resp is None:
            return
        if len(resp) > 1232:
            # Too big for one datagram: header with TC and the question only.
            qend = 12
            while data[qend] != 0:
                qend += data[qend] + 1
            resp = resp[:2] + bytes([resp[2] | 0x02, resp[3]]) + b"\0\1\0\0\0\0\0\0" + data[12:qend + 5]
        sock.sendto(resp, self.client_address)


class TCP(socketserver.BaseRequestHandler):
    def handle(self):
        ln = self.request.recv(2)
        if len(ln) < 2:
            return
        n = struct.unpack(">H", ln)[0]
        data = b""
        while len(data) < n:
            chunk = self.request.recv(n - len(data))
            if not chunk:
                return
            data += chunk
        resp = answer(data)
        if resp:
            self.request.sendall(struct.pack(">H", len(resp)) + resp)


class UDPServer(socketserver.ThreadingUDPServer):
    allow_reuse_address = True


class TCPServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


CHALLENGES = {}


class HTTP(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *a):
        pass

    def reply(self, status, obj=None, ctype="application/json", raw=None):
        body = raw if raw is not None else (json.dumps(obj).encode() if obj is not None else b"")
        self.send_response(status)
        if body:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def record_name(self):
        return self.path[len("/v1/records/"):].rstrip("/").lower()

    def do_GET(self):
        if self.path.startswith("/dns-query?dns="):
            q = self.path.split("dns=", 1)[1]
            q += "=" * (-len(q) % 4)
            self.reply(200, raw=answer(base64.urlsafe_b64decode(q)), ctype="application/dns-message")
        elif self.path == "/v1/registration/challenge":
            ch = secrets.token_hex(32)
            CHALLENGES[ch] = time.time() + 60
            self.reply(200, {"challenge": ch, "node": "standin.example", "expires_at": int(time.time()) + 60, "version": 1})
        elif self.path.startswith("/v1/records/"):
            with LOCK:
                vals = RECORDS.get(self.record_name(), [])
            self.reply(200 if vals else 404, {"name": self.record_name(), "values": vals})
        elif self.path == "/health":
            self.reply(200, {"status": "ok"})
        else:
            self.reply(404, {"error": "not found"})

    def do_POST(self):
        data = self.body()
        if self.path == "/dns-query":
            self.reply(200, raw=answer(data), ctype="application/dns-message")
            return
        try:
            obj = json.loads(data or b"{}")
        except ValueError:
            self.reply(400, {"error": "invalid body"})
            return
        if self.path == "/v1/registration/confirm":
            if CHALLENGES.pop(obj.get("challenge", ""), None) is None:
                self.reply(400, {"error": "challenge expired or unknown"})
                return
            self.reply(200, {"token": "dmp_v1_" + base64.b32encode(os.urandom(32)).decode().rstrip("="),
                             "subject": obj["subject"], "expires_at": int(time.time()) + 86400,
                             "rate_per_sec": 10.0, "rate_burst": 50})
        elif self.path.startswith("/v1/records/"):
            with LOCK:
                vals = RECORDS.setdefault(self.record_name(), [])
                if obj["value"] not in vals:
                    vals.append(obj["value"])
            self.reply(201, {"ok": True})
        else:
            self.reply(404, {"error": "not found"})

    def do_DELETE(self):
        data = self.body()
        obj = json.loads(data) if data else {}
        with LOCK:
            vals = RECORDS.get(self.record_name(), [])
            if obj.get("value") in vals:
                vals.remove(obj["value"])
                self.reply(204)
                return
        self.reply(404)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dns-port", type=int, required=True)
    ap.add_argument("--http-port", type=int, required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--records")
    ap.add_argument("--ready")
    a = ap.parse_args()
    if a.records:
        for name, vals in json.load(open(a.records)).items():
            RECORDS[name.lower()] = list(vals)
    udp = UDPServer(("127.0.0.1", a.dns_port), UDP)
    tcp = TCPServer(("127.0.0.1", a.dns_port), TCP)
    http = ThreadingHTTPServer(("127.0.0.1", a.http_port), HTTP)
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        http.socket = ctx.wrap_socket(http.socket, server_side=True)
    for s in (udp, tcp):
        threading.Thread(target=s.serve_forever, daemon=True).start()
    if a.ready:
        open(a.ready, "w").write("ok\n")
    try:
        http.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
