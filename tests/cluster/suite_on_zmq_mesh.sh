#!/usr/bin/env bash
# Runs the integration behaviour suite against three signalmesh processes
# sharing rooms through a ZeroMQ PUB/SUB full mesh on loopback (no Redis):
# every test that uses the shared pods spreads its clients over the three
# (SIGNALMESH_TEST_PODS).
#   tests/cluster/suite_on_zmq_mesh.sh SIGNALMESH_BINARY INTEGRATION_TESTS
set -euo pipefail
binary=$1
suite=$2
work=$(mktemp -d /tmp/signalmesh-zmq-suite.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Picked up front: every pod must know the others' mesh endpoints.
free_ports() {
  python3 -c '
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$1"
}

read -r -a mesh <<<"$(free_ports 3)"
for i in 0 1 2; do
  peers=()
  for j in 0 1 2; do [ "$j" = "$i" ] || peers+=("tcp://127.0.0.1:${mesh[$j]}"); done
  "$binary" --host 127.0.0.1 --port 0 --backend zmq --zmq-bind "tcp://127.0.0.1:${mesh[$i]}" \
    --zmq-peers "$(IFS=,; echo "${peers[*]}")" --pod-id "suite$i" --log-level warn \
    >"$work/pod$i.out" 2>"$work/pod$i.err" &
  pids+=($!)
done
urls=()
for i in 0 1 2; do
  line=
  for _ in $(seq 200); do
    line=$(grep -m1 "listening on" "$work/pod$i.out" 2>/dev/null || true)
    [ -n "$line" ] && break
    sleep 0.05
  done
  port=$(sed -E 's/.*:([0-9]+) \(.*/\1/' <<<"$line")
  [ -n "$port" ] || { echo "pod $i did not start"; cat "$work/pod$i.err"; exit 1; }
  ready=
  for _ in $(seq 200); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")" = 200 ]; then
      ready=1
      break
    fi
    sleep 0.05
  done
  [ -n "$ready" ] || { echo "pod $i never ready"; cat "$work/pod$i.err"; exit 1; }
  urls+=("ws://127.0.0.1:$port")
done
pods=$(IFS=,; echo "${urls[*]}")
echo "suite against $pods (zmq mesh on ports ${mesh[*]})"
# The cluster-specific suites start their own pods; the rest run on these.
status=0
SIGNALMESH_TEST_PODS=$pods "$suite" --gtest_filter='-LocalCluster.*:RedisCluster.*:ZmqCluster.*' \
  --gtest_brief=1 || status=$?
# Loss on the mesh is counted, never silent: a healthy loopback run loses nothing.
for i in 0 1 2; do
  port=$(sed -E 's/.*:([0-9]+) \(.*/\1/' <<<"$(grep -m1 "listening on" "$work/pod$i.out")")
  lost=$(curl -s "http://127.0.0.1:$port/metrics" | awk '$1 == "signalmesh_zmq_envelopes_lost_total" {print $2}')
  if [ "$lost" != "0" ]; then
    echo "pod $i lost ${lost:-?} envelope(s) on the mesh"
    status=1
  fi
done
exit "$status"
