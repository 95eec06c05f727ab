#!/usr/bin/env python3
"""Prints argv[1] (default 1) loopback ports that are free for both UDP and
TCP at the moment of the call, one per line."""
import socket
import sys

want = int(sys.argv[1]) if len(sys.argv) > 1 else 1
found = []
held = []
while len(found) < want:
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind(("127.0.0.1", 0))
    port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        t.close()
        u.close()
        continue
    held += [t, u]  # keep them until all are chosen, so none repeats
    found.append(port)
for s in held:
    s.close()
print("\n".join(str(p) for p in found))
