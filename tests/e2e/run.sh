#!/usr/bin/env bash
# Runs the browser end-to-end tests against a signalmesh binary on free
# loopback ports: the demo (two Chromium tabs, one WebRTC call) against one
# pod without API keys (SIGNALMESH_URL), and the operator page /admin against
# a two-pod ZeroMQ mesh with an API key whose room records are kept in a
# redis-server (SIGNALMESH_ADMIN_URL, SIGNALMESH_ADMIN_URL2,
# SIGNALMESH_API_KEY).
#
#   tests/e2e/run.sh build/signalmesh
#
# Needs node (>= 20), Debian's chromium and redis-server (installed here when
# missing and running as root). Exits with the status of `node --test`.
set -euo pipefail

bin=${1:?usage: $0 path/to/signalmesh}
[[ -x $bin ]] || { echo "run.sh: $bin is not an executable" >&2; exit 2; }
bin=$(realpath "$bin")
here=$(cd "$(dirname "$0")" && pwd)
chromium=${CHROMIUM_PATH:-/usr/bin/chromium}

missing=()
[[ -x $chromium ]] || missing+=(chromium)
command -v redis-server >/dev/null || missing+=(redis-server)
if ((${#missing[@]})); then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "run.sh: installing Debian's ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "run.sh: missing ${missing[*]}: apt-get install -y ${missing[*]}" >&2
    exit 2
  fi
fi

if [[ ! -d $here/node_modules/playwright-core ]]; then
  (cd "$here" && npm ci --no-audit --no-fund)
fi

# free_ports N: N distinct free loopback ports, one per line (all held open
# together while they are picked).
free_ports() {
  node -e 'const net = require("net");
    const n = Number(process.argv[1]);
    const servers = Array.from({ length: n }, () => net.createServer());
    Promise.all(servers.map((s) => new Promise((ok) => s.listen(0, "127.0.0.1", ok)))).then(() => {
      console.log(servers.map((s) => s.address().port).join("\n"));
      servers.forEach((s) => s.close());
    });' "$1"
}

logs=$(mktemp -d -t signalmesh-e2e.XXXXXX)
pids=()
names=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$logs"
}
trap cleanup EXIT

# start NAME COMMAND...: runs it in the background, its output in $logs/NAME.log.
start() {
  local name=$1
  shift
  "$@" >"$logs/$name.log" 2>&1 &
  pids+=($!)
  names+=("$name")
}

print_logs() {
  local name
  for name in "${names[@]}"; do
    echo "--- $name log:" >&2
    cat "$logs/$name.log" >&2
  done
}

# wait_200 NAME URL: until URL answers 200, at most 20 s; stops if the
# process NAME started exited.
wait_200() {
  local name=$1 url=$2 i pid=
  for i in "${!names[@]}"; do [[ ${names[$i]} == "$name" ]] && pid=${pids[$i]}; done
  local deadline=$((SECONDS + 20))
  until node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(2000) })
      .then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))' "$url"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "run.sh: $name exited before $url answered 200" >&2
      print_logs
      exit 1
    fi
    if ((SECONDS >= deadline)); then
      echo "run.sh: $url did not answer 200 within 20 s" >&2
      print_logs
      exit 1
    fi
    sleep 0.1
  done
}

mapfile -t ports < <(free_ports 6)
(( ${#ports[@]} == 6 )) || { echo "run.sh: could not pick free ports" >&2; exit 1; }

# The demo's pod: local backend, no API keys (so no /admin).
url="http://127.0.0.1:${ports[0]}"
start demo "$bin" --port "${ports[0]}" --host 127.0.0.1
wait_200 demo "$url/healthz"
echo "run.sh: signalmesh is up at $url"

# The operator page's cluster: two mesh pods with a key, records in Redis.
api_key=e2e-$(node -e 'console.log(require("crypto").randomBytes(16).toString("hex"))')
redis_port=${ports[1]}
start redis redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no
deadline=$((SECONDS + 20))
until [[ $(redis-cli -p "$redis_port" ping 2>/dev/null) == PONG ]]; do
  if ((SECONDS >= deadline)); then
    echo "run.sh: redis-server did not answer within 20 s" >&2
    print_logs
    exit 1
  fi
  sleep 0.1
done
admin_urls=()
for i in 0 1; do
  http=${ports[$((2 + i))]}
  mesh_self=${ports[$((4 + i))]}
  mesh_other=${ports[$((5 - i))]}
  # The key by the environment: argv is visible to other users.
  start "pod$i" env SIGNALMESH_API_KEY="$api_key" "$bin" --host 127.0.0.1 --port "$http" \
    --backend zmq --pod-id "e2e-pod$i" --store "redis://127.0.0.1:$redis_port" \
    --zmq-bind "tcp://127.0.0.1:$mesh_self" --zmq-peers "tcp://127.0.0.1:$mesh_other"
  admin_urls+=("http://127.0.0.1:$http")
done
wait_200 pod0 "${admin_urls[0]}/readyz"
wait_200 pod1 "${admin_urls[1]}/readyz"
echo "run.sh: mesh pods with an API key are up at ${admin_urls[*]}"

status=0
(cd "$here" && SIGNALMESH_URL=$url SIGNALMESH_ADMIN_URL=${admin_urls[0]} \
  SIGNALMESH_ADMIN_URL2=${admin_urls[1]} SIGNALMESH_API_KEY=$api_key CHROMIUM_PATH=$chromium \
  node --test) || status=$?
if ((status != 0)); then
  echo "run.sh: tests failed ($status); server logs:" >&2
  print_logs
fi
exit "$status"
