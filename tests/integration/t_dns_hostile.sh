#!/usr/bin/env bash
# Malformed and hostile packets over UDP and TCP get FORMERR (or NOTIMP) or
# no reply at all, and the server keeps answering; TCP framing, pipelining,
# deadlines and the connection cap.
. "$(dirname "$0")/lib_dns.sh"

start_store
start_dns DMP_DNS_RATE=0
wait_dns
put a.example 'alive' 600

H=123400000001000000000000         # id 0x1234, a query, QDCOUNT=1
Q=0161076578616d706c65000010000001 # a.example TXT IN
LONG=$(python3 -c "print(('3f' + '61' * 63) * 5)")

alive()
{
	expect_eq "still answering after $1" "$(q +short a.example TXT)" '"alive"'
}

# udp_case WHAT WANT HEX: the first word of the reply description, or noreply.
udp_case()
{
	local got
	got=$(raw "$3" | awk '{print ($1 == "noreply") ? "noreply" : $2}')
	expect_eq "$1 (udp)" "$got" "$2"
}

tcp_case()
{
	local hex=$3 got
	hex=$(printf '%04x' $((${#hex} / 2)))$hex
	got=$(raw --tcp "$hex" | awk 'NR == 1 {print ($1 == "closed" || $1 == "open") ? "noreply" : $2}')
	expect_eq "$1 (tcp)" "$got" "$2"
}

step "hostile packets"
while read -r what want hex; do
	[ -n "$what" ] || continue
	hex=${hex//LONG/$LONG}
	hex=${hex//H/$H}
	hex=${hex//Q/$Q}
	udp_case "$what" "$want" "$hex"
	if [ -n "$hex" ]; then tcp_case "$what" "$want" "$hex"; fi
done <<'CASES'
empty noreply
short-header noreply 1234000001
no-question rcode=1 H
truncated-question rcode=1 H0161
compression-loop rcode=1 Hc00c00100001
pointer-cycle rcode=1 Hc00ec00c00100001
forward-pointer rcode=1 Hc01000100001000000
pointer-into-header rcode=1 Hc00200100001
label-past-end rcode=1 H3f61
extended-label rcode=1 H4161
name-over-255 rcode=1 HLONG0000100001
qr-set noreply 123480000001000000000000Q
qdcount-65535 rcode=1 12340000ffff000000000000Q
qdcount-0 rcode=1 123400000000000000000000
trailing-bytes rcode=1 HQ00
ancount-without-rr rcode=1 123400000001000100000000Q
additional-garbage rcode=1 123400000001000000000001Qff
opcode-notify rcode=4 123420000001000000000000Q
opcode-15 rcode=4 123478000001000000000000Q
CASES
alive "the hostile packets"

step "a FORMERR reply echoes the question only when it parsed"
expect_eq "trailing bytes" "$(raw "${H}${Q}00" | awk '{print $4}')" qd=1
expect_eq "loop" "$(raw "${H}c00c00100001" | awk '{print $4}')" qd=0

step "5000 random datagrams"
python3 - "$PORT" <<'PY'
import os, random, socket, sys
random.seed(7)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
hdr = bytes.fromhex("123400000001000000000000")
for i in range(5000):
    n = random.randrange(0, 600)
    body = bytes(random.getrandbits(8) for _ in range(n))
    # Half of them start with a plausible header, to get past the first checks.
    s.sendto((hdr + body) if i % 2 else body, ("127.0.0.1", int(sys.argv[1])))
PY
alive "random datagrams"

step "TCP: pipelined queries are answered in order"
pipe=$(python3 - <<'PY'
import struct
out = b""
for qid, name in ((1, "a.example"), (2, "nothing.example"), (3, "a.example")):
    wire = b"".join(bytes([len(l)]) + l.encode() for l in name.split("."))
    m = struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0) + wire + b"\0" + struct.pack("!HH", 16, 1)
    out += struct.pack("!H", len(m)) + m
print(out.hex())
PY
)
got=$(raw --tcp "$pipe" | awk '$1 ~ /^id=/ {print $1, $2}' | tr '\n' ' ')
expect_eq "three answers" "$got" "id=1 rcode=0 id=2 rcode=3 id=3 rcode=0 "

step "TCP: length 0 closes the connection"
expect_eq "length 0" "$(raw --tcp 0000)" closed

step "TCP: an incomplete message is cut off after the read deadline"
start=$(date +%s)
expect_eq "incomplete" "$(raw --tcp --wait 9 0040${H})" closed
took=$(($(date +%s) - start))
[ "$took" -ge 4 ] && [ "$took" -le 8 ] || fail "read deadline took ${took} s"

step "TCP: an idle connection is closed after the idle timeout"
start=$(date +%s)
expect_eq "idle" "$(raw --tcp --wait 14 '')" closed
took=$(($(date +%s) - start))
[ "$took" -ge 9 ] && [ "$took" -le 13 ] || fail "idle timeout took ${took} s"

step "TCP: past the connection cap the oldest idle connection makes room"
python3 - "$PORT" <<'PY' || fail "connection cap"
import socket, struct, sys, time
port = int(sys.argv[1])
idle = []
for _ in range(300):
    idle.append(socket.create_connection(("127.0.0.1", port)))
time.sleep(0.5)
m = struct.pack("!HHHHHH", 9, 0, 1, 0, 0, 0) + b"\x01a\x07example\x00" + struct.pack("!HH", 16, 1)
s = socket.create_connection(("127.0.0.1", port), timeout=3)
s.sendall(struct.pack("!H", len(m)) + m)
n = struct.unpack("!H", s.recv(2))[0]
assert n > 12, "no answer on a new connection"
# The oldest ones were closed to make room.
idle[0].settimeout(2)
assert idle[0].recv(1) == b"", "the oldest idle connection is still open"
PY
alive "the connection flood"
