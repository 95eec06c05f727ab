#!/usr/bin/env python3
"""A deliberately independent speaker of the node's IPC (docs/IPC.md), with
protobuf hand-encoded so the tests do not trust our own codec:

  ipc.py writer  --socket S --prefix P --acked FILE --seconds N [--window W]
      publishes unique values as fast as the store takes them, reconnecting
      whenever the store goes away, and appends "NAME<TAB>VALUE" to FILE for
      every write the store acknowledged (PutResult status 0).
  ipc.py hostile --socket S
      sends malformed and forbidden frames, each on its own connection, and
      checks that the store closes that connection and keeps serving others.
"""
import argparse
import os
import socket
import struct
import sys
import time

IPC_VERSION = 1
FRAME_MAX = 256 * 1024
ROLE = {"unknown": 0, "supervisor": 1, "store": 2, "dns": 3, "https": 4, "sync": 5,
        "heartbeat": 6, "admin": 7}
# Envelope body field numbers (proto/envelope.proto).
HELLO, ERROR, PUT_RECORD, PUT_RESULT = 10, 11, 20, 21
STATS_REQUEST, STATS_REPLY = 29, 30


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def f_varint(field, n):
    return varint(field << 3) + varint(n)


def f_bytes(field, data):
    if isinstance(data, str):
        data = data.encode()
    return varint(field << 3 | 2) + varint(len(data)) + data


def zigzag_decode(n):
    return (n >> 1) ^ -(n & 1)


def parse(buf):
    """Message bytes -> {field: [values]} (varints as int, blobs as bytes)."""
    out, i = {}, 0
    while i < len(buf):
        key, i = read_varint(buf, i)
        field, wt = key >> 3, key & 7
        if wt == 0:
            v, i = read_varint(buf, i)
        elif wt == 2:
            n, i = read_varint(buf, i)
            v, i = buf[i:i + n], i + n
        elif wt == 1:
            v, i = buf[i:i + 8], i + 8
        elif wt == 5:
            v, i = buf[i:i + 4], i + 4
        else:
            raise ValueError("wire type %d" % wt)
        out.setdefault(field, []).append(v)
    return out


def read_varint(buf, i):
    n, shift = 0, 0
    while True:
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        if not b & 0x80:
            return n, i
        shift += 7


def envelope(seq, body_field=None, body=b"", version=IPC_VERSION, extra=b""):
    e = f_varint(1, version) + f_varint(2, seq)
    if body_field is not None:
        e += f_bytes(body_field, body)
    return e + extra


def hello(role, version=IPC_VERSION):
    return f_varint(1, ROLE[role] if isinstance(role, str) else role) + \
        f_varint(2, version) + f_varint(3, os.getpid())


def put_record(name, value, ttl):
    return f_bytes(1, name) + f_bytes(2, value) + f_varint(3, ttl)


def frame(payload):
    return struct.pack(">I", len(payload)) + payload


class Conn:
    def __init__(self, path, timeout=5.0):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.buf = b""
        self.seq = 0

    def next_seq(self):
        self.seq += 1
        return self.seq

    def send(self, payload):
        self.s.sendall(frame(payload))

    def recv(self):
        """Next Envelope as a dict, or None at EOF."""
        while True:
            if len(self.buf) >= 4:
                (n,) = struct.unpack(">I", self.buf[:4])
                if len(self.buf) >= 4 + n:
                    env = parse(self.buf[4:4 + n])
                    self.buf = self.buf[4 + n:]
                    return env
            chunk = self.s.recv(65536)
            if not chunk:
                return None
            self.buf += chunk

    def hello(self, role="admin"):
        self.send(envelope(self.next_seq(), HELLO, hello(role)))
        rep = self.recv()
        if rep is None or HELLO not in rep:
            raise ConnectionError("no Hello from the store")

    def close(self):
        self.s.close()


# ---- writer ----

def writer(args):
    deadline = time.monotonic() + args.seconds
    acked = open(args.acked, "a", buffering=1)
    n = n_acked = n_failed = n_unknown = 0
    while time.monotonic() < deadline:
        try:
            c = Conn(args.socket)
            c.hello("admin")
        except (OSError, ConnectionError):
            time.sleep(0.02)
            continue
        inflight = {}
        try:
            while True:
                now = time.monotonic()
                while now < deadline and len(inflight) < args.window:
                    name = "%s-%06d.dur.test" % (args.prefix, n)
                    value = "v=%s-%d" % (args.prefix, n)
                    n += 1
                    seq = c.next_seq()
                    c.send(envelope(seq, PUT_RECORD, put_record(name, value, 3600)))
                    inflight[seq] = (name, value)
                if not inflight:
                    break
                rep = c.recv()
                if rep is None:
                    raise ConnectionError("EOF")
                seq = rep.get(3, [None])[0]
                if seq not in inflight:
                    continue
                name, value = inflight.pop(seq)
                if PUT_RESULT in rep and zigzag_decode(parse(rep[PUT_RESULT][0])[1][0]) == 0:
                    acked.write("%s\t%s\n" % (name, value))
                    n_acked += 1
                else:
                    n_failed += 1
        except (OSError, ConnectionError):
            n_unknown += len(inflight)  # sent, never answered: may or may not exist
        c.close()
    print("writer %s: %d acknowledged, %d refused, %d unanswered" %
          (args.prefix, n_acked, n_failed, n_unknown))
    return 0


# ---- hostile ----

def expect_closed(path, payloads, role=None, shut=False):
    """Sends `payloads` (raw bytes) after an optional Hello; True if the store
    then closes the connection (frames it sends first are skipped)."""
    c = Conn(path, timeout=5.0)
    if role is not None:
        c.hello(role)
    for p in payloads:
        c.s.sendall(p)
    if shut:
        c.s.shutdown(socket.SHUT_WR)
    try:
        while c.recv() is not None:
            pass
        return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False
    finally:
        c.close()


def still_serving(conn):
    seq = conn.next_seq()
    conn.send(envelope(seq, STATS_REQUEST, b""))
    rep = conn.recv()
    return rep is not None and STATS_REPLY in rep and rep.get(3, [None])[0] == seq


def hostile(args):
    p = args.socket
    good = Conn(p)
    good.hello("admin")
    # A peer that never finishes its frame must not hold up anyone else.
    dangling = Conn(p)
    dangling.s.sendall(b"\x00\x00")

    h = envelope(1, HELLO, hello("admin"))
    put = put_record("hostile.test", "x", 60)
    cases = [
        ("oversized length", [b"\xff\xff\xff\xff" + b"\x00" * 64], None),
        ("length DM_FRAME_MAX+1", [struct.pack(">I", FRAME_MAX + 1)], None),
        ("zero length", [b"\x00\x00\x00\x00"], None),
        ("non-protobuf bytes", [frame(b"\xff" * 16)], None),
        ("truncated protobuf", [frame(h[:-3])], None),
        ("missing required field", [frame(f_varint(2, 1) + f_bytes(HELLO, hello("admin")))],
         None),
        ("first frame not Hello", [frame(envelope(1, PUT_RECORD, put))], None),
        ("Hello with wrong version", [frame(envelope(1, HELLO, hello("admin", version=2)))],
         None),
        ("Envelope with wrong version", [frame(envelope(1, HELLO, hello("admin"), version=7))],
         None),
        ("Hello with role unknown", [frame(envelope(1, HELLO, hello("unknown")))], None),
        ("forbidden body (dns-frontend sends PutRecord)",
         [frame(envelope(2, PUT_RECORD, put))], "dns"),
        ("forbidden body (admin sends StatsReply)",
         [frame(envelope(2, STATS_REPLY, f_varint(1, 1) + f_varint(2, 1)))], "admin"),
        ("no body at all", [frame(envelope(2, extra=f_varint(99, 1)))], "admin"),
        ("frame cut by EOF", [struct.pack(">I", 100) + b"\x08\x01"], "admin"),
    ]
    failed = 0
    for name, payloads, role in cases:
        closed = expect_closed(p, payloads, role, shut=name == "frame cut by EOF")
        serving = still_serving(good)
        fresh = Conn(p)
        fresh.hello("admin")
        serving = serving and still_serving(fresh)
        fresh.close()
        ok = closed and serving
        failed += not ok
        print("%s %s%s%s" % ("ok  " if ok else "FAIL", name, "" if closed else " (not closed)",
                             "" if serving else " (store stopped serving)"))
    dangling.close()
    good.close()
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["writer", "hostile"])
    ap.add_argument("--socket", required=True)
    ap.add_argument("--prefix", default="w")
    ap.add_argument("--acked")
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--window", type=int, default=32)
    args = ap.parse_args()
    return writer(args) if args.mode == "writer" else hostile(args)


if __name__ == "__main__":
    sys.exit(main())
