#!/usr/bin/env bash
# Runs the integration behaviour suite against three signalmesh processes
# sharing rooms through a real redis-server: every test that uses the shared
# pods spreads its clients over the three (SIGNALMESH_TEST_PODS).
#   tests/cluster/suite_on_redis_cluster.sh SIGNALMESH_BINARY INTEGRATION_TESTS
set -euo pipefail
binary=$1
suite=$2
work=$(mktemp -d /tmp/signalmesh-suite.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >"$work/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.05; done

urls=()
for i in 0 1 2; do
  "$binary" --host 127.0.0.1 --port 0 --backend redis --redis-url "redis://127.0.0.1:$redis_port" \
    --pod-id "suite$i" --log-level warn >"$work/pod$i.out" 2>"$work/pod$i.err" &
  pids+=($!)
done
for i in 0 1 2; do
  for _ in $(seq 200); do
    line=$(grep -m1 "listening on" "$work/pod$i.out" 2>/dev/null || true)
    [ -n "$line" ] && break
    sleep 0.05
  done
  port=$(sed -E 's/.*:([0-9]+) \(.*/\1/' <<<"$line")
  [ -n "$port" ] || { echo "pod $i did not start"; cat "$work/pod$i.err"; exit 1; }
  for _ in $(seq 200); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")" = 200 ] && break
    sleep 0.05
  done
  urls+=("ws://127.0.0.1:$port")
done
pods=$(IFS=,; echo "${urls[*]}")
echo "suite against $pods (redis :$redis_port)"
# The cluster-specific suites start their own pods; the rest run on these.
SIGNALMESH_TEST_PODS=$pods "$suite" --gtest_filter='-LocalCluster.*:RedisCluster.*:ZmqCluster.*' --gtest_brief=1
