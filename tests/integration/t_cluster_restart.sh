#!/usr/bin/env bash
# A node that was down catches up by itself: kill -9 one node's dnsmeshd,
# keep writing to the other two, restart it on the same database, and every
# record written before and during the outage is in its DNS answers, with
# nothing lost on the nodes that stayed up.
. "$(dirname "$0")/lib_cluster.sh"
CL_INTERVAL=0.5

cl_setup 3
cl_step "start three nodes, write to each"
for i in 1 2 3; do cl_start "$i"; done
for i in 1 2 3; do cl_write "$i" "before.n$i.mesh.test" "before-$i"; done
for i in 1 2 3; do
	for j in 1 2 3; do cl_wait_txt "$j" "before.n$i.mesh.test" "before-$i" 10; done
done

cl_step "kill -9 node 3, keep writing to nodes 1 and 2"
cl_kill9 3
for k in $(seq 1 20); do
	cl_write $((k % 2 + 1)) "during$k.mesh.test" "during-$k"
done
cl_write 1 multi.mesh.test "first value"
cl_write 2 multi.mesh.test "second value"
for k in $(seq 1 20); do
	for j in 1 2; do cl_wait_txt "$j" "during$k.mesh.test" "during-$k" 10; done
done

cl_step "restart node 3: it catches up with nothing lost"
cl_start 3
for k in $(seq 1 20); do cl_wait_txt 3 "during$k.mesh.test" "during-$k" 15; done
for v in "first value" "second value"; do
	for j in 1 2 3; do cl_wait_txt "$j" multi.mesh.test "$v" 10; done
done
for i in 1 2 3; do
	for j in 1 2 3; do cl_has_txt "$j" "before.n$i.mesh.test" "before-$i" ||
		cl_fail "node $j lost before.n$i"; done
done

cl_step "a write to the restarted node reaches the others"
cl_write 3 after.mesh.test "after-restart"
for j in 1 2; do cl_wait_txt "$j" after.mesh.test "after-restart" 10; done

for i in 1 2 3; do cl_stop "$i"; done
