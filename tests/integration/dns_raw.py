#!/usr/bin/env python3
"""Sends hand-made DNS packets to the dns-frontend under test.

usage: dns_raw.py PORT [--tcp] [--count N] [--wait S] HEX
Prints one line per reply: "rcode=N flags=XXXX qd=N an=N ns=N ar=N len=N",
or "noreply" when nothing came back within --wait seconds (default 1).
With --count N [--paced] the datagram is sent N times back to back and the number of
replies is printed as "replies=K" (for rate-limit tests); --paced waits for each reply
(up to --wait) before sending the next.
Instead of HEX, "--name NAME [--type N] [--class N] [--flags N]" builds a
one-question query (type TXT, class IN, flags 0 by default).
With --tcp, HEX is sent as is (the caller frames it), and every complete
framed reply is printed; "closed" is printed if the server hung up.
"""
import socket
import struct
import sys
import time


def describe(msg):
    if len(msg) < 12:
        return "short len=%d" % len(msg)
    _id, fl, qd, an, ns, ar = struct.unpack("!HHHHHH", msg[:12])
    return "id=%d rcode=%d flags=%04x qd=%d an=%d ns=%d ar=%d len=%d" % (
        _id, fl & 15, fl, qd, an, ns, ar, len(msg))


def udp(port, data, count, wait, paced):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("127.0.0.1", port))
    replies = []
    if paced:
        # One at a time: counts what the server answers, not what queues drop.
        s.settimeout(wait)
        for _ in range(count):
            s.send(data)
            try:
                replies.append(s.recv(65535))
            except (socket.timeout, ConnectionRefusedError):
                pass
        print("replies=%d" % len(replies))
        return
    s.setblocking(False)
    for _ in range(count):
        s.send(data)
        # Drain as we go, so our own receive buffer never drops replies.
        try:
            while count > 1:
                replies.append(s.recv(65535))
        except (BlockingIOError, ConnectionRefusedError):
            pass
    s.setblocking(True)
    s.settimeout(wait)
    try:
        while True:
            replies.append(s.recv(65535))
            if count == 1:
                break
    except (socket.timeout, ConnectionRefusedError):
        pass
    if count > 1:
        print("replies=%d" % len(replies))
    elif replies:
        print(describe(replies[0]))
    else:
        print("noreply")


def tcp(port, data, wait):
    s = socket.create_connection(("127.0.0.1", port), timeout=wait)
    s.sendall(data)
    buf = b""
    deadline = time.time() + wait
    closed = False
    while time.time() < deadline:
        s.settimeout(max(0.01, deadline - time.time()))
        try:
            chunk = s.recv(65537)
        except socket.timeout:
            break
        except ConnectionResetError:
            closed = True
            break
        if not chunk:
            closed = True
            break
        buf += chunk
    while len(buf) >= 2:
        n = struct.unpack("!H", buf[:2])[0]
        if len(buf) < 2 + n:
            break
        print(describe(buf[2:2 + n]))
        buf = buf[2 + n:]
    if closed:
        print("closed")
    elif not buf:
        print("open")


def build(name, qtype, qclass, flags):
    wire = b"".join(bytes([len(l)]) + l.encode() for l in name.strip(".").split(".") if l)
    return struct.pack("!HHHHHH", 0x1234, flags, 1, 0, 0, 0) + wire + b"\0" + \
        struct.pack("!HH", qtype, qclass)


def main():
    args = sys.argv[1:]
    port = int(args.pop(0))
    use_tcp, count, wait, paced = False, 1, 1.0, False
    name, qtype, qclass, flags = None, 16, 1, 0
    while args and args[0].startswith("--"):
        opt = args.pop(0)
        if opt == "--tcp":
            use_tcp = True
        elif opt == "--count":
            count = int(args.pop(0))
        elif opt == "--paced":
            paced = True
        elif opt == "--wait":
            wait = float(args.pop(0))
        elif opt == "--name":
            name = args.pop(0)
        elif opt == "--type":
            qtype = int(args.pop(0))
        elif opt == "--class":
            qclass = int(args.pop(0))
        elif opt == "--flags":
            flags = int(args.pop(0), 0)
    if name is not None:
        data = build(name, qtype, qclass, flags)
        if use_tcp:
            data = struct.pack("!H", len(data)) + data
    else:
        data = bytes.fromhex(args[0]) if args else b""
    if use_tcp:
        tcp(port, data, wait)
    else:
        udp(port, data, count, wait, paced)


if __name__ == "__main__":
    main()
