#!/usr/bin/env bash
# Runs every libFuzzer target for N seconds, seeded from the committed corpus
# (new inputs go to a scratch directory, never into the repository), and
# prints the executions each reached. Fails on any finding.
set -u
bindir=${1:?usage: smoke.sh BINDIR SECONDS}
seconds=${2:-30}
src=$(cd "$(dirname "$0")" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
status=0
for bin in "$bindir"/fuzz_*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	corpus="$src/corpus/${name#fuzz_}"
	mkdir -p "$scratch/$name"
	log="$scratch/$name.log"
	if "$bin" -max_total_time="$seconds" -print_final_stats=1 \
		-artifact_prefix="$scratch/$name-" "$scratch/$name" "$corpus" >"$log" 2>&1; then
		execs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
		echo "fuzz $name: ${execs:-?} executions in ${seconds}s, no finding"
	else
		echo "fuzz $name: FINDING"
		tail -n 40 "$log"
		cp "$scratch/$name-"* . 2>/dev/null || true
		status=1
	fi
done
exit $status
