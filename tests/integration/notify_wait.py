#!/usr/bin/env python3
"""Stands in for systemd's NOTIFY_SOCKET in tests.

usage: notify_wait.py SOCKET_PATH TIMEOUT_S
Binds a Unix datagram socket at SOCKET_PATH, then prints every sd_notify
message (newlines turned into spaces), one per line, until one carries
READY=1 (exit 0) or TIMEOUT_S pass (exit 1).
"""
import os
import socket
import sys
import time


def main():
    path, timeout = sys.argv[1], float(sys.argv[2])
    if os.path.exists(path):
        os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    deadline = time.time() + timeout
    while time.time() < deadline:
        s.settimeout(max(0.01, deadline - time.time()))
        try:
            msg = s.recv(4096).decode(errors="replace")
        except socket.timeout:
            break
        print(msg.replace("\n", " "), flush=True)
        if "READY=1" in msg.split("\n"):
            return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
