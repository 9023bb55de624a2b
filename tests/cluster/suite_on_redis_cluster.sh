#!/usr/bin/env bash
# Runs the integration behaviour suite against three signalmesh processes
# sharing rooms through a real redis-server: every test that uses the shared
# pods spreads its clients over the three (SIGNALMESH_TEST_PODS).
#   tests/cluster/suite_on_redis_cluster.sh SIGNALMESH_BINARY INTEGRATION_TESTS
set -euo pipefail
binary=$1
suite=$2
# shellcheck source=tools/lib/processes.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../tools/lib/processes.sh"
start_scratch redis-suite

start_redis  # no prefix: any CPU

for i in 0 1 2; do
  "$binary" --host 127.0.0.1 --port 0 --backend redis --redis-url "redis://127.0.0.1:$redis_port" \
    --pod-id "suite$i" --log-level warn >"$work/pod$i.out" 2>"$work/pod$i.err" &
  pids+=($!)
done
urls=()
for i in 0 1 2; do
  port=$(listening_port "$work/pod$i.out") || { cat "$work/pod$i.err"; exit 1; }
  wait_ready "$port" || { cat "$work/pod$i.err"; exit 1; }
  urls+=("ws://127.0.0.1:$port")
done
pods=$(IFS=,; echo "${urls[*]}")
echo "suite against $pods (redis :$redis_port)"
# The cluster-specific suites start their own pods; the rest run on these.
SIGNALMESH_TEST_PODS=$pods "$suite" --gtest_filter='-LocalCluster.*:RedisCluster.*:ZmqCluster.*:StoreBinary.*:StoreOutage.*:LiveBinary.*' --gtest_brief=1
