#!/usr/bin/env bash
# Every command the README shows, in the README's order, run as written on a
# clean `git clone` of this repository (issue 10: "every command the README
# shows must work on a fresh clone exactly as written").
#   tests/readme/readme_commands.sh SIGNALMESH ZMQ_KEYGEN CLI
# The commands are read from the README itself: every line of its ```sh
# blocks, and every inline `command` whose first word is an executable file
# of the clone (`tools/run --port 9000 ...`, `tools/bench --quick`, ...).
# Each must be one this script knows how to check below; a new one fails the
# test until it is added here.
#
# Builds. tools/run configures build/release for real, but its
# `cmake --build build/release --target T...` is answered by a shim: a dry
# run of that build (ninja -n: the targets exist and the build graph is
# sound) and then copies of SIGNALMESH and ZMQ_KEYGEN, which this ctest
# build already made, so that the test takes seconds instead of a Release
# build. SIGNALMESH_README_REAL_BUILD=1 builds for real (~4 min on 2 cores).
# The clone is of HEAD: uncommitted changes are not in it (the prebuilt
# binaries are of the tree ctest built).
#
# Servers start on the README's ports when those are free; when one is taken
# (a developer's own pod on 8080, say), the port flags the launchers document
# are appended and a note says so. Each server is stopped with SIGTERM and
# must take down everything it started.
set -euo pipefail
prebuilt_signalmesh=$(realpath "$1")
prebuilt_keygen=$(realpath "$2")
cli=$(realpath "$3")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=${SIGNALMESH_README_REPO:-$(cd "$here/../.." && pwd)}
# shellcheck source=tools/lib/processes.sh
source "$here/../../tools/lib/processes.sh"
start_scratch readme
group=""
stop_group() {
  if [[ -n "$group" ]]; then
    kill -KILL -- "-$group" 2>/dev/null || true
    group=""
  fi
}
trap 'stop_group; stop_scratch' EXIT
fail() {
  echo "FAIL: $*"
  for f in "$work"/*.log; do [[ -f "$f" ]] && { echo "--- $f"; tail -25 "$f"; }; done
  exit 1
}

git -C "$repo" rev-parse --git-dir >/dev/null 2>&1 ||
  fail "$repo is not a git checkout (set SIGNALMESH_README_REPO to one)"
git clone -q "$repo" "$work/clone" || fail "git clone $repo failed"
clone="$work/clone"
echo "clean clone of $(git -C "$clone" log --oneline -1)"

# The cmake shim (see the top of this file).
real_cmake=$(command -v cmake)
mkdir "$work/shim"
cat >"$work/shim/cmake" <<EOF
#!/usr/bin/env bash
set -euo pipefail
if [[ "\${1:-}" != --build || -n "\${SIGNALMESH_README_REAL_BUILD:-}" ]]; then
  exec "$real_cmake" "\$@"
fi
dir=\$2
shift 2
targets=()
while [[ \$# -gt 0 ]]; do
  case "\$1" in
    --target|-t)
      shift
      while [[ \$# -gt 0 && "\$1" != -* ]]; do targets+=("\$1"); shift; done ;;
    *) shift ;;
  esac
done
[[ \${#targets[@]} -gt 0 ]] || { echo "readme shim: cmake --build without --target" >&2; exit 1; }
"$real_cmake" --build "\$dir" --target "\${targets[@]}" -- -n >/dev/null
for t in "\${targets[@]}"; do
  case "\$t" in
    signalmesh) install -m 755 "$prebuilt_signalmesh" "\$dir/signalmesh" ;;
    signalmesh-zmq-keygen) install -D -m 755 "$prebuilt_keygen" "\$dir/tools/signalmesh-zmq-keygen" ;;
    *) echo "readme shim: no prebuilt binary for target \$t" >&2; exit 1 ;;
  esac
done
echo "readme shim: \${targets[*]} copied into \$dir (dry run of the build passed)"
EOF
chmod +x "$work/shim/cmake"
export PATH="$work/shim:$PATH"

# The README's commands, one per line, in order.
python3 - "$clone/README.md" "$clone" >"$work/commands" <<'PY'
import os, re, sys
readme, clone = sys.argv[1], sys.argv[2]
text = open(readme).read()
found = []
for m in re.finditer(r"```sh\n(.*?)```|`([^`\n]+)`", text, re.S):
    if m.group(1) is not None:
        for line in m.group(1).splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if line and not line.startswith("#"):
                found.append(line)
    else:
        span = m.group(2).strip()
        first = os.path.join(clone, span.split()[0])
        if os.path.isfile(first) and os.access(first, os.X_OK):
            found.append(span)
seen = set()
for command in (" ".join(c.split()) for c in found):
    if command not in seen:  # prose that names a command shown before
        seen.add(command)
        print(command)
PY
[[ -s "$work/commands" ]] || fail "no commands found in the README"

port_free() {
  python3 -c '
import socket, sys
for p in sys.argv[1:]:
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try: s.bind(("0.0.0.0", int(p)))
    except OSError: sys.exit(1)
    finally: s.close()' "$@"
}

# A base port B such that B..B+N-1 are all free.
free_range() {
  local n=$1 base i ports
  for _ in $(seq 50); do
    base=$((20000 + RANDOM % 20000))
    ports=()
    for ((i = 0; i < n; i++)); do ports+=($((base + i))); done
    if port_free "${ports[@]}"; then
      echo "$base"
      return 0
    fi
  done
  return 1
}

# run_server NAME COMMAND...: starts COMMAND in the clone in its own session.
run_server() {
  local name=$1
  shift
  (cd "$clone" && exec setsid "$@") >"$work/$name.log" 2>&1 &
  group=$!
}

# stop_server NAME: SIGTERM to the command; it must exit within 15 s and
# leave no process of its session behind.
stop_server() {
  local name=$1 leader=$group _
  kill -TERM "$leader" 2>/dev/null || true
  for _ in $(seq 150); do kill -0 "$leader" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$leader" 2>/dev/null && fail "$name: still running 15 s after SIGTERM"
  wait "$leader" 2>/dev/null || true
  for _ in $(seq 100); do pgrep -s "$leader" >/dev/null || break; sleep 0.1; done
  if pgrep -s "$leader" >/dev/null; then
    fail "$name: left processes behind after SIGTERM: $(pgrep -a -s "$leader" | tr '\n' ';')"
  fi
  group=""
}

# wait_line NAME REGEX SECONDS: prints the first match of REGEX in NAME's
# log; fails (status 1, a message on stderr) when the server exits first or
# after SECONDS.
wait_line() {
  local log="$work/$1.log" _
  for _ in $(seq $(($3 * 10))); do
    if grep -m1 -oE "$2" "$log" 2>/dev/null; then return 0; fi
    if ! kill -0 "$group" 2>/dev/null; then
      echo "$1 exited before printing /$2/" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "$1: no /$2/ after $3 s" >&2
  return 1
}

build_wait=120
[[ -n "${SIGNALMESH_README_REAL_BUILD:-}" ]] && build_wait=900

# One pod serving: the demo page, health, readiness.
check_pod_http() {
  local port=$1
  wait_ready "$port" || fail "the pod on $port never became ready"
  curl -sf -o "$work/page.html" "http://127.0.0.1:$port/" ||
    fail "GET / failed on port $port"
  grep -q RTCPeerConnection "$work/page.html" || fail "the demo page is not served on port $port"
}

# serve_single NAME WANTED-PORT COMMAND...: a command that runs one pod;
# sets $port to where it listens and leaves it running.
serve_single() {
  local name=$1
  port=$2
  shift 2
  local cmd=("$@")
  if ! port_free "$port"; then
    port=$(free_port)
    echo "  note: port $2 is taken here; appending --port $port"
    cmd+=(--port "$port")
  fi
  run_server "$name" "${cmd[@]}"
  local line
  line=$(wait_line "$name" 'listening on http://[^ ]+:[0-9]+' "$build_wait") || fail "$name did not start"
  [[ "${line##*:}" == "$port" ]] || fail "$name listens on ${line##*:}, not $port"
  check_pod_http "$port"
}

# Two members on different pods: bob (on the first URL) prints what alice
# (on the second) sends him.
check_cross_pod() {
  local url_bob=$1 url_alice=$2 name=$3 room="readme$RANDOM" bob _
  mkfifo "$work/$name-bob.in"
  "$cli" "$url_bob" "$room" --peer-id bob <"$work/$name-bob.in" >"$work/$name-bob.out" \
    2>"$work/$name-bob.err" &
  bob=$!
  pids+=("$bob")
  exec 3>"$work/$name-bob.in"
  for _ in $(seq 100); do grep -q '"welcome"' "$work/$name-bob.out" 2>/dev/null && break; sleep 0.05; done
  grep -q '"welcome"' "$work/$name-bob.out" || fail "$name: bob got no welcome"
  for _ in $(seq 100); do
    echo '{"type":"ice","targetId":"bob","candidate":{"candidate":"across-pods"}}' |
      "$cli" "$url_alice" "$room" --peer-id alice --grace-ms 200 >/dev/null 2>&1 || true
    grep -q 'across-pods' "$work/$name-bob.out" && break
    sleep 0.1
  done
  grep 'across-pods' "$work/$name-bob.out" | grep -q '"senderId":"alice"' ||
    fail "$name: bob on one pod never got alice's message from another"
  exec 3>&-
  wait "$bob" || true
}

# serve_cluster NAME COMMAND...: a launcher of 3 pods (8081-8083) with Redis
# (6390) or a mesh (7001-7003): every pod ready, a message across two pods.
serve_cluster() {
  local name=$1
  shift
  local cmd=("$@") base=8081
  if ! port_free 8081 8082 8083; then
    base=$(free_range 3) || fail "no 3 free ports in a row"
    echo "  note: 8081-8083 are taken here; appending --base-port $base"
    cmd+=(--base-port "$base")
  fi
  if [[ "$name" == redis* ]] && ! port_free 6390; then
    local redis_port
    redis_port=$(free_port)
    echo "  note: 6390 is taken here; appending --redis-port $redis_port"
    cmd+=(--redis-port "$redis_port")
  fi
  if [[ "$name" == mesh* ]] && ! port_free 7001 7002 7003; then
    local mesh
    mesh=$(free_range 3) || fail "no 3 free ports in a row"
    echo "  note: 7001-7003 are taken here; appending --mesh-port $mesh"
    cmd+=(--mesh-port "$mesh")
  fi
  run_server "$name" "${cmd[@]}"
  launcher_logs=$(wait_line "$name" '^logs +[^ ]+' 30) || fail "$name did not start its pods"
  launcher_logs=${launcher_logs##* }
  local i
  for i in 0 1 2; do
    grep -q "^pod$i .*http://127.0.0.1:$((base + i))/" "$work/$name.log" ||
      fail "$name: no URL printed for pod$i on $((base + i))"
  done
  for i in 0 1 2; do check_pod_http $((base + i)); done
  check_cross_pod "ws://127.0.0.1:$base" "ws://127.0.0.1:$((base + 1))" "$name"
  stop_server "$name"
  # The launcher keeps its logs (and keys) for the user; ours go with $work.
  cp -r "$launcher_logs" "$work/$name-logs"
  rm -rf "$launcher_logs"
  launcher_logs="$work/$name-logs"
}

# One check per README command, in the README's order.
n=0
while IFS= read -r command; do
  n=$((n + 1))
  echo "README command $n: $command"
  read -r -a words <<<"$command"
  case "$command" in
    "tools/run")
      serve_single tools-run 8080 tools/run
      stop_server tools-run
      [[ -x "$clone/build/release/tools/signalmesh-zmq-keygen" ]] ||
        fail "tools/run did not build signalmesh-zmq-keygen (cluster/run-zmq-mesh --curve needs it)"
      ;;
    "tools/run --port 9000 --log-level debug")
      serve_single tools-run-flags 9000 "${words[@]}"
      # A join is logged at debug level only. The grace covers a fresh pod's
      # discovery window (docs/cluster.md: its first admission waits 300 ms
      # to hear from other pods), or the client would leave before its welcome.
      "$cli" "ws://127.0.0.1:$port" "readme$RANDOM" --peer-id debug-check --grace-ms 1500 \
        </dev/null >/dev/null 2>&1 || fail "signalmesh-cli could not join the pod on $port"
      stop_server tools-run-flags
      grep -q ' debug peer debug-check joined' "$work/tools-run-flags.log" ||
        fail "--log-level debug did not pass through"
      if [[ -n "${SIGNALMESH_README_REAL_BUILD:-}" ]] && grep -q 'Building CXX' "$work/tools-run-flags.log"; then
        fail "tools/run run again compiled again (nothing changed since the first)"
      fi
      ;;
    "tools/run --help >/dev/null")
      (cd "$clone" && tools/run --help >"$work/help.out") || fail "tools/run --help exited $?"
      grep -q -- '--backend' "$work/help.out" || fail "tools/run --help printed no flags"
      ;;
    "build/release/signalmesh --port 8080 --backend local")
      serve_single binary 8080 "${words[@]}"
      stop_server binary
      grep -q '(backend local, pod ' "$work/binary.log" || fail "the binary did not say its backend"
      ;;
    "cluster/run-redis-cluster 3")
      serve_cluster redis-cluster "${words[@]}"
      ;;
    "cluster/run-zmq-mesh 3")
      serve_cluster mesh "${words[@]}"
      ;;
    "cluster/run-zmq-mesh 3 --curve")
      serve_cluster mesh-curve "${words[@]}"
      for i in 0 1 2; do
        grep -q 'CURVE on' "$launcher_logs/pod$i.log" || fail "pod$i of the --curve mesh runs without CURVE"
      done
      ;;
    "tools/test" | "tools/test --quick" | ".ci/run")
      echo "  not run here: it is what CI runs (.ci/run), and this test is one of its stages"
      ;;
    "tests/readme/readme_commands.sh")
      echo "  this test"
      ;;
    "tests/e2e/run.sh")
      echo "  not run here: named as tools/test's browser stage, which runs it (it takes the binary's path)"
      ;;
    "tools/bench" | "tools/bench --quick")
      echo "  not run here: minutes of benchmarks that rewrite docs/benchmarks.md (timing is no test)"
      ;;
    *)
      fail "the README shows '$command', which this test does not know: add a check for it to $0"
      ;;
  esac
done <"$work/commands"
echo "readme: all $n commands checked"
