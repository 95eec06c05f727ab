#!/usr/bin/env bash
# Runs every vector checker (bin/vec_*) and checks the summary lines against
# MANIFEST.tsv: each listed file must appear exactly once, with N equal to its
# case count and 0 failed. Any missing file, extra failure or crash fails.
set -u
bindir=${1:?usage: run_all.sh BINDIR VECTORS_DIR}
vecdir=${2:?usage: run_all.sh BINDIR VECTORS_DIR}
manifest="$vecdir/MANIFEST.tsv"
[ -f "$manifest" ] || { echo "vectors: no $manifest" >&2; exit 1; }

out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
shopt -s nullglob
checkers=("$bindir"/vec_*)
if [ ${#checkers[@]} -eq 0 ]; then
	echo "vectors: no checker binaries in $bindir" >&2
	exit 1
fi
for bin in "${checkers[@]}"; do
	[ -x "$bin" ] || continue
	if ! DM_VECTORS_DIR="$vecdir" "$bin" >>"$out"; then
		echo "vectors: $(basename "$bin") exited non-zero" >&2
		status=1
	fi
done
grep '^vectors ' "$out"

while IFS=$'\t' read -r file cases _; do
	case "$file" in ''|'#'*) continue ;; esac
	lines=$(grep -c "^vectors $file: " "$out")
	if [ "$lines" -ne 1 ]; then
		echo "vectors: $file reported $lines times (want 1): not covered" >&2
		status=1
		continue
	fi
	line=$(grep "^vectors $file: " "$out")
	passed=$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\1/' <<<"$line")
	failed=$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\2/' <<<"$line")
	if [ "$failed" -ne 0 ] || [ "$passed" -ne "$cases" ]; then
		echo "vectors: $file: $passed passed, $failed failed; MANIFEST says $cases cases" >&2
		status=1
	fi
done <"$manifest"
[ $status -eq 0 ] && echo "vectors: every MANIFEST.tsv file covered, all cases passed"
exit $status
