#!/usr/bin/env bash
# Deletes propagate and stay deleted: a value deleted on one node disappears
# from the others' DNS answers, and no peer that still had it brings it back
# over several rounds, after a restart of the sync services (watermarks
# gone, every digest walked again), or after a node that was down while the
# delete happened comes back. A user publishing the value again on a node
# clears that node's tombstone.
. "$(dirname "$0")/lib_cluster.sh"
CL_INTERVAL=0.5

cl_setup 3
for i in 1 2 3; do cl_start "$i"; done

cl_step "a value and its neighbour reach every node"
cl_write 1 box.mesh.test "keep me"
cl_write 1 box.mesh.test "delete me"
for j in 1 2 3; do
	cl_wait_txt "$j" box.mesh.test "keep me" 10
	cl_wait_txt "$j" box.mesh.test "delete me" 10
done

cl_step "node 3 goes down; the value is deleted on node 1"
cl_kill9 3
cl_delete 1 box.mesh.test "delete me"
cl_wait_gone 2 box.mesh.test "delete me" 10
cl_has_txt 1 box.mesh.test "delete me" && cl_fail "node 1 still answers the deleted value"

cl_step "it stays deleted over several rounds"
sleep 3
for j in 1 2; do
	cl_lacks_txt "$j" box.mesh.test "delete me" || cl_fail "node $j resurrected the value"
	cl_has_txt "$j" box.mesh.test "keep me" || cl_fail "node $j lost the other value"
done

cl_step "node 3 comes back with the value and learns the delete instead of spreading it"
cl_start 3
cl_wait_gone 3 box.mesh.test "delete me" 10
sleep 3
for j in 1 2 3; do
	cl_lacks_txt "$j" box.mesh.test "delete me" || cl_fail "node $j resurrected the value"
	cl_has_txt "$j" box.mesh.test "keep me" || cl_fail "node $j lost the other value"
done

cl_step "restarting every sync service (watermarks reset) resurrects nothing"
for i in 1 2 3; do kill -KILL "$(cl_svc_pid "$i" sync)"; done
sleep 4
for j in 1 2 3; do
	cl_lacks_txt "$j" box.mesh.test "delete me" || cl_fail "node $j resurrected the value"
done
grep -q 'deleted [1-9]' "$(cl_log 3)" || cl_fail "node 3 did not log applying the tombstone"

cl_step "publishing it again through the API clears the tombstone on that node"
cl_write 2 box.mesh.test "delete me"
cl_wait_txt 2 box.mesh.test "delete me" 5

for i in 1 2 3; do cl_stop "$i"; done
