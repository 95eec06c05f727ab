#!/usr/bin/env python3
"""The service manager's side of sd_notify, for tests without systemd.

  notify_watch.py listen SOCKET LOG
      Binds a datagram socket at SOCKET (what NOTIFY_SOCKET names) and appends
      one line per message to LOG: "<monotonic ms> pid=<sender> <message>",
      newlines inside a message shown as " | ". The sender's pid comes from
      SCM_CREDENTIALS, as systemd checks it against MAINPID (NotifyAccess=main).
      Writes "LISTENING" first, so a caller can wait for it.

  notify_watch.py age LOG PID
      Prints how many ms ago PID last sent WATCHDOG=1 (-1 if never): what
      systemd compares against WatchdogSec= to declare a service hung.
"""
import os
import socket
import struct
import sys
import time


def now_ms():
    return int(time.monotonic() * 1000)


def listen(path, out):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    s.bind(path)
    # Services under test may run as their own (non-root) users.
    os.chmod(path, 0o666)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    ucred = struct.calcsize("3i")
    with open(out, "a", buffering=1) as f:
        f.write("LISTENING\n")
        while True:
            msg, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(ucred))
            pid = 0
            for level, kind, data in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                    pid = struct.unpack("3i", data[:ucred])[0]
            text = msg.decode("utf-8", "replace").strip("\n").replace("\n", " | ")
            f.write("%d pid=%d %s\n" % (now_ms(), pid, text))


def age(log, pid):
    last = None
    want = "pid=%s" % pid
    with open(log) as f:
        for line in f:
            parts = line.split(" ", 2)
            if len(parts) == 3 and parts[1] == want and "WATCHDOG=1" in parts[2].rstrip("\n").split(" | "):
                last = int(parts[0])
    print(-1 if last is None else now_ms() - last)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "listen":
        listen(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "age":
        age(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
