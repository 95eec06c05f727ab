#!/usr/bin/env bash
# Post-quantum primitives: operations per second on one core (taskset), and
# the sizes of keys, signatures and ciphertexts. Usage: bench/run_pq.sh [BUILD_DIR]
set -euo pipefail
bindir="$(cd "${1:-build}/bin" && pwd)"
core=$(( $(nproc) > 1 ? 1 : 0 ))
for b in pq_bench pq_kem_bench; do
	[ -x "$bindir/$b" ] || { echo "run_pq.sh: $bindir/$b is not built" >&2; exit 1; }
	echo "== $b (core $core)"
	taskset -c "$core" "$bindir/$b"
done
