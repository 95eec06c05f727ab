#!/usr/bin/env python3
"""Generates the DNS benchmark's data set, shaped like DMP traffic.

usage: gen_dataset.py OUTDIR ZONE [SEED]

Writes into OUTDIR:
  records.tsv    NAME<TAB>TTL<TAB>VALUE lines for `dnsmesh-node-admin load`
  zone.txt       the same records as an RFC 1035 zone file (for NSD)
  queries.txt    dnsperf input: 100,000 "NAME TXT" lines, 90 % for names that
                 exist, 10 % for names that do not (NXDOMAIN with the SOA)
  probe.txt      one existing name, to check a server is serving the data

10,000 TXT values in all, with the sizes of the real wire formats
(wire.md §4, §9, §12): 1,000 identities, 150 prekey pools of 20 values,
300 mailboxes of 10 slot manifests, 3,000 message chunks.
"""
import base64
import os
import random
import sys

TTL = 86400


def b64(rng, n):
    return base64.b64encode(bytes(rng.getrandbits(8) for _ in range(n))).decode()


def hexid(rng, n):
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def main():
    out, zone = sys.argv[1], sys.argv[2].strip(".").lower()
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    rrsets = []  # (name, [values])
    for _ in range(1000):  # identity: 1 + 8-byte name + 72 + sig 64 = 145 bytes
        rrsets.append(("id-%s.%s" % (hexid(rng, 16), zone),
                       ["v=dmp1;t=identity;d=" + b64(rng, 145)]))
    for _ in range(150):  # prekey pool: 20 values of 108 bytes
        rrsets.append(("prekeys.id-%s.%s" % (hexid(rng, 12), zone),
                       ["v=dmp1;t=prekey;d=" + b64(rng, 108) for _ in range(20)]))
    for _ in range(300):  # mailbox: 10 slots, one 172-byte manifest each
        mb = hexid(rng, 12)
        for slot in range(10):
            rrsets.append(("slot-%d.mb-%s.%s" % (slot, mb, zone),
                           ["v=dmp1;t=manifest;d=" + b64(rng, 172)]))
    for i in range(3000):  # chunk: 168-byte wire
        rrsets.append(("chunk-%04d-%s.%s" % (i % 16, hexid(rng, 12), zone),
                       ["v=dmp1;t=chunk;d=" + b64(rng, 168)]))
    assert sum(len(v) for _, v in rrsets) == 10000

    with open(os.path.join(out, "records.tsv"), "w") as f:
        for name, values in rrsets:
            for v in values:
                f.write("%s\t%d\t%s\n" % (name, TTL, v))

    with open(os.path.join(out, "zone.txt"), "w") as f:
        f.write("$ORIGIN %s.\n$TTL 60\n" % zone)
        f.write("@ IN SOA ns1.%s. hostmaster.%s. 1 3600 600 604800 60\n" % (zone, zone))
        f.write("@ IN NS ns1.%s.\n" % zone)
        for name, values in rrsets:
            for v in values:
                # Character-strings of at most 255 bytes, as the node splits them.
                parts = " ".join('"%s"' % v[i:i + 255] for i in range(0, len(v), 255))
                f.write("%s. IN TXT %s\n" % (name, parts))

    names = [n for n, _ in rrsets]
    with open(os.path.join(out, "queries.txt"), "w") as f:
        for _ in range(100000):
            if rng.random() < 0.9:
                f.write("%s TXT\n" % rng.choice(names))
            else:
                kind = rng.randrange(3)
                if kind == 0:
                    f.write("slot-%d.mb-%s.%s TXT\n" % (rng.randrange(10), hexid(rng, 12), zone))
                elif kind == 1:
                    f.write("chunk-%04d-%s.%s TXT\n" % (rng.randrange(16), hexid(rng, 12), zone))
                else:
                    f.write("id-%s.%s TXT\n" % (hexid(rng, 16), zone))

    with open(os.path.join(out, "probe.txt"), "w") as f:
        f.write(names[0] + "\n")


if __name__ == "__main__":
    main()
