#!/usr/bin/env python3
"""Stands in for systemd's notify socket: binds a datagram socket at argv[1]
and appends every message to argv[2], one line each ("\n" inside a message
becomes " | "), flushing as it goes so the harness can wait on the file."""
import os
import socket
import sys

path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s.bind(path)
# dnsmeshd may run as an unprivileged user (the harness's non-root path).
os.chmod(path, 0o666)
with open(out, "a", buffering=1) as f:
    f.write("LISTENING\n")
    while True:
        msg = s.recv(4096).decode("utf-8", "replace")
        f.write(msg.strip("\n").replace("\n", " | ") + "\n")
