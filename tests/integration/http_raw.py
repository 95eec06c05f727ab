#!/usr/bin/env python3
"""Raw HTTP for the https-frontend tests: bytes curl will not send.

usage: http_raw.py PORT send REQUEST
           sends REQUEST (Python escapes: \\r\\n, \\x00, ...) and prints the
           first response as "STATUS BODY" ("closed" if none)
       http_raw.py PORT pipeline REQUEST
           as send, but prints every response on its own line
       http_raw.py PORT drip REQUEST SECONDS_PER_BYTE MAX_SECONDS
           sends one byte at a time; prints "cut STATUS AFTER_S" once the
           server answers or closes, or "alive" if it never did
       http_raw.py PORT hold N SECONDS
           opens N idle connections, then checks a new one is answered
           within SECONDS while they stay open: prints "served STATUS" or
           "starved"
"""
import socket
import sys
import time


def connect(port, timeout=5.0):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    return s


def read_all(s, deadline=5.0):
    s.settimeout(deadline)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    return data


def responses(data):
    """Splits a byte stream into (status, body) pairs using Content-Length."""
    out = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            break
        lines = head.split(b"\r\n")
        parts = lines[0].split(b" ", 2)
        status = parts[1].decode() if len(parts) > 1 else "?"
        length = 0
        for line in lines[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length":
                length = int(v.strip())
        out.append((status, rest[:length].decode("utf-8", "replace")))
        data = rest[length:]
    return out


def unescape(text):
    return text.encode("latin-1").decode("unicode_escape").encode("latin-1")


def main():
    port = int(sys.argv[1])
    mode = sys.argv[2]
    if mode in ("send", "pipeline"):
        s = connect(port)
        try:
            s.sendall(unescape(sys.argv[3]))
        except (BrokenPipeError, ConnectionResetError):
            pass
        rs = responses(read_all(s, 5.0))
        s.close()
        if not rs:
            print("closed")
        elif mode == "send":
            print(rs[0][0], rs[0][1])
        else:
            for st, body in rs:
                print(st, body)
    elif mode == "drip":
        data = unescape(sys.argv[3])
        per = float(sys.argv[4])
        limit = float(sys.argv[5])
        s = connect(port)
        s.settimeout(per)
        start = time.monotonic()
        got = b""
        for b in data:
            if time.monotonic() - start > limit:
                break
            try:
                s.sendall(bytes([b]))
            except (BrokenPipeError, ConnectionResetError):
                break
            try:
                chunk = s.recv(65536)
                got += chunk
                if not chunk or got:
                    break
            except socket.timeout:
                continue
            except ConnectionResetError:
                break
        if not got:
            got = read_all(s, 2.0)
        elapsed = time.monotonic() - start
        rs = responses(got)
        if rs or elapsed < limit:
            print("cut", rs[0][0] if rs else "closed", "%.1f" % elapsed)
        else:
            print("alive")
    elif mode == "hold":
        n = int(sys.argv[3])
        secs = float(sys.argv[4])
        idle = []
        for _ in range(n):
            try:
                c = connect(port)
                c.sendall(b"G")  # a started, never finished request
                idle.append(c)
            except OSError:
                break
        time.sleep(0.2)
        s = connect(port, timeout=secs)
        try:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            rs = responses(read_all(s, secs))
        except OSError:
            rs = []
        print(("served " + rs[0][0]) if rs else "starved")
        for c in idle:
            c.close()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
