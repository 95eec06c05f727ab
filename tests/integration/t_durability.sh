#!/usr/bin/env bash
# kill -9 the store again and again while several writers publish as fast as
# it takes them, then prove that every acknowledged write is in the database
# (zero lost) and that the database is intact (PRAGMA integrity_check).
# A write counts as acknowledged only when the store answered PutResult with
# status 0; writes in flight when the store died may or may not be there.
. "$(dirname "$0")/lib.sh"

WRITERS=3
SECONDS_OF_LOAD=10
KILLS=5

dm_step "start"
dm_start

dm_step "$WRITERS writers for ${SECONDS_OF_LOAD} s, $KILLS kill -9 of the store meanwhile"
wpids=()
for i in $(seq 1 $WRITERS); do
	python3 "$DM_IT/ipc.py" writer --socket "$STORE_SOCK" --prefix "w$i" \
		--acked "$T/acked.$i" --seconds "$SECONDS_OF_LOAD" >"$T/writer.$i.out" 2>&1 &
	wpids+=($!)
done
# Let the writers get going, then kill at uneven moments, each time once the
# replacement is up again so every kill lands on a store under load.
sleep 1
kills=0
for k in $(seq 1 $KILLS); do
	old=$(dm_pid store)
	[ -n "$old" ] || dm_fail "no store to kill"
	mark=$(dm_log_mark)
	kill -KILL "$old"
	kills=$((kills + 1))
	dm_wait_log "$mark" 'store ready \(pid [0-9]+\)' 30
	sleep "0.$((RANDOM % 9 + 1))"
done
for p in "${wpids[@]}"; do
	wait "$p" || dm_fail "a writer failed: $(cat "$T"/writer.*.out)"
done
cat "$T"/writer.*.out
cat "$T"/acked.* >"$T/acked"
acked=$(wc -l <"$T/acked")
echo "acknowledged writes: $acked, store kills: $kills"
[ "$acked" -ge 200 ] || dm_fail "only $acked writes acknowledged: the load did not run"
restarts=$(grep -cE 'store \(pid [0-9]+\) killed by signal 9' "$SUP_LOG")
[ "$restarts" -ge "$KILLS" ] || dm_fail "$restarts store deaths logged, want $KILLS"

dm_step "acknowledged writes are readable through the store"
for name in $(shuf -n 20 "$T/acked" | cut -f1); do
	want=$(grep -F "$name	" "$T/acked" | cut -f2)
	dm_expect_eq "get $name" "$(dm_admin get "$name")" "$want"
done

dm_step "stop, then check the database itself"
dm_stop
python3 - "$DMP_DB_PATH" "$T/acked" <<'PY' || dm_fail "lost acknowledged writes or a damaged database"
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
check = db.execute("PRAGMA integrity_check").fetchall()
print("integrity_check:", check)
rows = set(db.execute("SELECT name, value FROM records"))
acked = [tuple(l.rstrip("\n").split("\t")) for l in open(sys.argv[2])]
lost = [a for a in acked if a not in rows]
print("acknowledged %d, stored %d, lost %d" % (len(acked), len(rows), len(lost)))
for a in lost[:10]:
    print("lost:", a)
sys.exit(0 if check == [("ok",)] and not lost else 1)
PY
