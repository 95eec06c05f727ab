#!/usr/bin/env python3
"""Signs DMP records for the integration tests (wire.md §12.3 heartbeat,
node.md §9.8 cluster manifest) with an Ed25519 seed given as 64 hex digits.

  hb_wire.py heartbeat SEED_HEX ENDPOINT [--ts T] [--exp E] [--version V] [--tamper]
  hb_wire.py cluster SEED_HEX NAME SEQ EXP id=http_url[=dns] ...
  hb_wire.py pub SEED_HEX
"""
import base64
import struct
import sys
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization


def key(seed_hex):
    sk = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed_hex))
    pk = sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return sk, pk


def opt(args, name, default):
    if name in args:
        i = args.index(name)
        v = args[i + 1]
        del args[i:i + 2]
        return v
    return default


def heartbeat(args):
    tamper = "--tamper" in args
    if tamper:
        args.remove("--tamper")
    now = int(time.time())
    ts = int(opt(args, "--ts", now))
    exp = int(opt(args, "--exp", ts + 3600))
    version = opt(args, "--version", "test").encode()
    seed, endpoint = args[0], args[1].encode()
    sk, pk = key(seed)
    body = (b"DMPHB02" + struct.pack(">H", len(endpoint)) + endpoint + pk +
            bytes([len(version)]) + version + struct.pack(">HQQ", 0, ts, exp))
    sig = sk.sign(body)
    if tamper:
        body = body[:-1] + bytes([body[-1] ^ 1])
    return "v=dmp1;t=heartbeat;" + base64.b64encode(body + sig).decode()


def cluster(args):
    seed, name, seq, exp = args[0], args[1].encode(), int(args[2]), int(args[3])
    sk, pk = key(seed)
    nodes = args[4:]
    body = b"DMPCL01" + struct.pack(">QQ", seq, exp) + pk + bytes([len(name)]) + name
    body += bytes([len(nodes)])
    for n in nodes:
        nid, rest = n.split("=", 1)
        http, _, dns = rest.partition("=")
        body += bytes([len(nid)]) + nid.encode()
        body += struct.pack(">H", len(http)) + http.encode()
        body += struct.pack(">H", len(dns)) + dns.encode()
    return "v=dmp1;t=cluster;" + base64.b64encode(body + sk.sign(body)).decode()


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "heartbeat":
        print(heartbeat(args))
    elif cmd == "cluster":
        print(cluster(args))
    elif cmd == "pub":
        print(key(args[0])[1].hex())
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
