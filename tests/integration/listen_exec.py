#!/usr/bin/env python3
"""Runs a service with its DNS sockets passed the way systemd and dnsmeshd do.

usage: listen_exec.py HOST PORT PROGRAM [ARGS...]
Binds UDP and TCP on HOST:PORT, puts them at fds 3 and 4, sets LISTEN_FDS=2,
LISTEN_PID (our pid, kept by exec), LISTEN_FDNAMES=dns-udp:dns-tcp, and
execs PROGRAM.
"""
import os
import socket
import sys


def main():
    host, port, argv = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    u = socket.socket(fam, socket.SOCK_DGRAM)
    u.bind((host, port))
    t = socket.socket(fam, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind((host, port))
    t.listen(64)
    os.dup2(u.fileno(), 3)
    os.dup2(t.fileno(), 4)
    os.set_inheritable(3, True)
    os.set_inheritable(4, True)
    env = dict(os.environ)
    # A service given sockets must not bind by itself: point it elsewhere.
    env["DMP_DNS_HOST"] = "192.0.2.1"
    env.update(LISTEN_FDS="2", LISTEN_PID=str(os.getpid()), LISTEN_FDNAMES="dns-udp:dns-tcp")
    os.execve(argv[0], argv, env)


if __name__ == "__main__":
    main()
