#!/usr/bin/env python3
"""An independent reader for the records `dnsmesh identity rotate` publishes
(wire.md 12.1, 12.7, 12.8), so the integration test does not only trust the
C parser it is testing.

  rotation_wire.py join              dig +short TXT lines on stdin -> one
                                     joined value per line (4.3)
  rotation_wire.py rotation VALUE    verify both signatures, print fields
  rotation_wire.py revocation VALUE  verify the self-signature, print fields
  rotation_wire.py identity VALUE    verify the self-signature, print fields

Fields are printed as key=value lines; exit 1 on a bad prefix, a bad body
or a signature that does not verify.
"""
import base64
import struct
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

PREFIX = {
    "rotation": "v=dmp1;t=rotation;",
    "revocation": "v=dmp1;t=revocation;",
    "identity": "v=dmp1;t=identity;d=",
}


def die(msg):
    print(f"rotation_wire: {msg}", file=sys.stderr)
    sys.exit(1)


def txt_strings(line):
    """The character-strings of one dig presentation-format TXT line."""
    out, cur, i, inq = [], None, 0, False
    while i < len(line):
        ch = line[i]
        if not inq:
            if ch == '"':
                inq, cur = True, bytearray()
            i += 1
            continue
        if ch == "\\":
            nxt = line[i + 1 : i + 4]
            if nxt[:1].isdigit():
                cur.append(int(nxt))
                i += 4
            else:
                cur += line[i + 1].encode()
                i += 2
            continue
        if ch == '"':
            out.append(bytes(cur))
            inq = False
        else:
            cur += ch.encode()
        i += 1
    return out


def verify(pk, sig, body, what):
    try:
        Ed25519PublicKey.from_public_bytes(pk).verify(sig, body)
    except InvalidSignature:
        die(f"{what} signature does not verify")


def decode(kind, value):
    if not value.startswith(PREFIX[kind]):
        die(f"not a {kind} record: {value[:40]!r}")
    try:
        return base64.b64decode(value[len(PREFIX[kind]) :], validate=True)
    except ValueError:
        die("bad base64")


def subject_fields(raw, magic):
    if raw[:7] != magic:
        die(f"bad magic {raw[:7]!r}")
    stype, slen = raw[7], raw[8]
    subject = raw[9 : 9 + slen].decode()
    return stype, subject, 9 + slen


def rotation(value):
    raw = decode("rotation", value)
    stype, subject, p = subject_fields(raw, b"DMPROT1")
    if len(raw) != p + 32 + 32 + 24 + 128:
        die(f"rotation length {len(raw)}")
    old, new = raw[p : p + 32], raw[p + 32 : p + 64]
    seq, ts, exp = struct.unpack(">QQQ", raw[p + 64 : p + 88])
    body = raw[: p + 88]
    verify(old, raw[p + 88 : p + 152], body, "old-key")
    verify(new, raw[p + 152 : p + 216], body, "new-key")
    return dict(subject_type=stype, subject=subject, old_spk=old.hex(), new_spk=new.hex(),
                seq=seq, ts=ts, exp=exp)


def revocation(value):
    raw = decode("revocation", value)
    stype, subject, p = subject_fields(raw, b"DMPRV01")
    if len(raw) != p + 32 + 1 + 8 + 64:
        die(f"revocation length {len(raw)}")
    spk = raw[p : p + 32]
    reason = raw[p + 32]
    (ts,) = struct.unpack(">Q", raw[p + 33 : p + 41])
    verify(spk, raw[p + 41 :], raw[: p + 41], "revocation")
    return dict(subject_type=stype, subject=subject, revoked_spk=spk.hex(), reason=reason, ts=ts)


def identity(value):
    raw = decode("identity", value)
    n = raw[0]
    if len(raw) != 1 + n + 72 + 64:
        die(f"identity length {len(raw)}")
    x, e = raw[1 + n : 33 + n], raw[33 + n : 65 + n]
    (ts,) = struct.unpack(">Q", raw[65 + n : 73 + n])
    verify(e, raw[73 + n :], raw[: 73 + n], "identity")
    return dict(username=raw[1 : 1 + n].decode(), public_key=x.hex(), signing_public_key=e.hex(),
                ts=ts)


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "join":
        for line in sys.stdin:
            if line.strip():
                print(b"".join(txt_strings(line)).decode())
        return
    if len(sys.argv) != 3 or sys.argv[1] not in PREFIX:
        die(__doc__)
    fields = {"rotation": rotation, "revocation": revocation, "identity": identity}[sys.argv[1]](
        sys.argv[2])
    for k, v in fields.items():
        print(f"{k}={v}")


main()
