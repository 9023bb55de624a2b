#!/usr/bin/env bash
# Runs the integration behaviour suite against three signalmesh processes
# sharing rooms through a ZeroMQ PUB/SUB full mesh on loopback (no Redis):
# every test that uses the shared pods spreads its clients over the three
# (SIGNALMESH_TEST_PODS).
#   tests/cluster/suite_on_zmq_mesh.sh SIGNALMESH_BINARY INTEGRATION_TESTS
set -euo pipefail
binary=$1
suite=$2
# shellcheck source=tools/lib/processes.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../tools/lib/processes.sh"
start_scratch zmq-suite

# Picked up front: every pod must know the others' mesh endpoints.
read -r -a mesh <<<"$(free_ports 3)"
for i in 0 1 2; do
  peers=()
  for j in 0 1 2; do [ "$j" = "$i" ] || peers+=("tcp://127.0.0.1:${mesh[$j]}"); done
  "$binary" --host 127.0.0.1 --port 0 --backend zmq --zmq-bind "tcp://127.0.0.1:${mesh[$i]}" \
    --zmq-peers "$(IFS=,; echo "${peers[*]}")" --pod-id "suite$i" --log-level warn \
    >"$work/pod$i.out" 2>"$work/pod$i.err" &
  pids+=($!)
done
urls=() ports=()
for i in 0 1 2; do
  port=$(listening_port "$work/pod$i.out") || { cat "$work/pod$i.err"; exit 1; }
  wait_ready "$port" || { cat "$work/pod$i.err"; exit 1; }
  ports+=("$port")
  urls+=("ws://127.0.0.1:$port")
done
pods=$(IFS=,; echo "${urls[*]}")
echo "suite against $pods (zmq mesh on ports ${mesh[*]})"
# The cluster-specific suites start their own pods; the rest run on these.
status=0
SIGNALMESH_TEST_PODS=$pods "$suite" --gtest_filter='-LocalCluster.*:RedisCluster.*:ZmqCluster.*:StoreBinary.*:StoreOutage.*:LiveBinary.*' \
  --gtest_brief=1 || status=$?
# Loss on the mesh is counted, never silent: a healthy loopback run loses nothing.
for i in 0 1 2; do
  lost=$(curl -s "http://127.0.0.1:${ports[$i]}/metrics" | awk '$1 == "signalmesh_zmq_envelopes_lost_total" {print $2}')
  if [ "$lost" != "0" ]; then
    echo "pod $i lost ${lost:-?} envelope(s) on the mesh"
    status=1
  fi
done
exit "$status"
