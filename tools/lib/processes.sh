# shellcheck shell=bash
# What the scripts that start real services (tests/cluster, tests/turn,
# tools/bench) share: a scratch directory, the processes to stop on exit,
# and free loopback ports. Sourced; needs bash and python3.

# start_scratch NAME: sets $work to a fresh directory and $pids to (); on exit
# every pid in $pids is killed and waited for, and $work removed.
start_scratch() {
  work=$(mktemp -d "/tmp/signalmesh-$1.XXXXXX")
  pids=()
  trap stop_scratch EXIT
}

stop_scratch() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}

# free_ports N: prints N distinct free TCP ports on 127.0.0.1, space-separated
# (all bound at once, so they differ; another process may still take one
# before it is used).
free_ports() {
  python3 -c '
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$1"
}

free_port() { free_ports 1; }

# start_redis [PREFIX...]: starts redis-server (no persistence) on a free
# port, run through PREFIX (e.g. taskset -c 0) if given; sets $redis_port and
# $redis_pid, adds it to $pids, and returns once it answers PING.
# shellcheck disable=SC2120  # the prefix is optional
start_redis() {
  redis_port=$(free_port)
  "$@" redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
    >"$work/redis.log" 2>&1 &
  redis_pid=$!
  pids+=("$redis_pid")
  local _
  for _ in $(seq 200); do
    redis-cli -p "$redis_port" ping >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "redis-server did not start:" >&2
  cat "$work/redis.log" >&2
  return 1
}

# listening_port LOG: waits up to 10 s for a signalmesh process to print
# "listening on http://HOST:PORT" into LOG, then prints PORT.
listening_port() {
  local line _
  for _ in $(seq 200); do
    line=$(grep -m1 -o 'listening on [a-z]*://127.0.0.1:[0-9]*' "$1" 2>/dev/null || true)
    if [[ -n "$line" ]]; then
      echo "${line##*:}"
      return 0
    fi
    sleep 0.05
  done
  echo "no 'listening on' in $1 after 10 s:" >&2
  cat "$1" >&2
  return 1
}

# wait_ready PORT: waits up to 10 s for the pod's /readyz to answer 200.
wait_ready() {
  local _
  for _ in $(seq 200); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/readyz")" == 200 ]] && return 0
    sleep 0.05
  done
  echo "the pod on port $1 never became ready" >&2
  return 1
}
