#!/usr/bin/env bash
# The command-line tools against real servers: signalmesh-bench (relay
# patterns, open loop, idle, connect storm, and across two pods over Redis:
# nothing lost, no server error), signalmesh-cli (two clients exchange a
# message), signalmesh-zmq-keygen (a key pair, its modes, --public),
# signalmesh-token (a pod with auth admits its token, refuses it for another
# room, and the tool refuses a secret on its command line), and
# signalmesh-bench-webhooks (both modes, a short run). Checks what the tools
# report, never how fast: timing belongs to tools/bench.
#   tests/tools/tools_test.sh SIGNALMESH BENCH CLI KEYGEN TOKEN BENCH_WEBHOOKS
set -euo pipefail
binary=$(realpath "$1")
bench=$(realpath "$2")
cli=$(realpath "$3")
keygen=$(realpath "$4")
token=$(realpath "$5")
bench_webhooks=$(realpath "$6")
# shellcheck source=tools/lib/processes.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../tools/lib/processes.sh"
start_scratch tools
fail() {
  echo "FAIL: $*"
  for f in "$work"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -20 "$f"; }; done
  exit 1
}

# start_pod NAME FLAGS...: starts a pod, prints its port once it listens.
# It runs in $(...), a subshell whose $pids the exit trap never sees: the
# pod's pid goes to a file that the trap reads.
start_pod() {
  local name=$1
  shift
  "$binary" --host 127.0.0.1 --port 0 --log-level warn --rate-per-second 100000 \
    --rate-burst 100000 "$@" >"$work/$name.log" 2>&1 &
  echo $! >>"$work/pods.pids"
  listening_port "$work/$name.log"
}
stop_pods() {
  local pid
  if [[ -f "$work/pods.pids" ]]; then
    while read -r pid; do kill "$pid" 2>/dev/null || true; done <"$work/pods.pids"
  fi
  stop_scratch
}
trap stop_pods EXIT

# expect_json FILE PYTHON-EXPRESSION: the JSON line in FILE satisfies it (j is the object).
expect_json() {
  python3 - "$1" "$2" <<'PY' || fail "$1: $2 does not hold: $(tail -1 "$1")"
import json, sys
j = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
}

port=$(start_pod local) || fail "signalmesh did not start"
url="ws://127.0.0.1:$port"
short=(--warmup 0.2 --duration 0.5 --json)

echo "signalmesh-bench: targeted ICE, broadcast SDP, call-setup mix, open loop"
"$bench" --url "$url" --rooms 4 --peers 3 --window 2 "${short[@]}" >"$work/targeted.json" ||
  fail "targeted run exited $?"
expect_json "$work/targeted.json" \
  'j["main"]["delivered_per_s"] > 0 and j["main"]["lost"] == 0 and j["conn"]["errors"] == 0 and j["conn"]["unexpected_closes"] == 0'
"$bench" --url "$url" --rooms 2 --peers 4 --pattern broadcast --payload sdp --window 2 \
  "${short[@]}" >"$work/broadcast.json" || fail "broadcast run exited $?"
expect_json "$work/broadcast.json" 'j["main"]["delivered_per_s"] > 0 and j["main"]["lost"] == 0 and j["conn"]["errors"] == 0'
"$bench" --url "$url" --rooms 2 --peers 2 --payload mix --window 2 "${short[@]}" >"$work/mix.json" ||
  fail "mix run exited $?"
expect_json "$work/mix.json" 'j["main"]["call_setups_per_s"] > 0 and j["main"]["lost"] == 0'
"$bench" --url "$url" --rooms 4 --peers 2 --rate 200 "${short[@]}" >"$work/open.json" ||
  fail "open-loop run exited $?"
expect_json "$work/open.json" 'j["main"]["lost"] == 0 and j["main"]["latency_us"]["count"] > 0'

echo "signalmesh-bench: idle and connect-storm modes"
"$bench" --url "$url" --mode idle --connections 40 --duration 0.2 --json >"$work/idle.json" ||
  fail "idle run exited $?"
expect_json "$work/idle.json" 'j["conn"]["welcomed"] == 40 and j["conn"]["failed"] == 0'
"$bench" --url "$url" --mode connect-storm --connections 100 --json >"$work/storm.json" ||
  fail "connect-storm run exited $?"
expect_json "$work/storm.json" 'j["conn"]["welcomed"] == 100 and j["conn"]["failed"] == 0'

echo "signalmesh-bench: two pods over Redis, every message crossing pods"
start_redis
p1=$(start_pod pod1 --backend redis --redis-url "redis://127.0.0.1:$redis_port" --pod-id p1) ||
  fail "pod1 did not start"
p2=$(start_pod pod2 --backend redis --redis-url "redis://127.0.0.1:$redis_port" --pod-id p2) ||
  fail "pod2 did not start"
wait_ready "$p1" || fail "pod1 never became ready"
wait_ready "$p2" || fail "pod2 never became ready"
# Traffic must wait until each peer's target is known on the sender's pod:
# a member whose peer-joined is still in flight would be unknown-target.
"$bench" --url "ws://127.0.0.1:$p1" --url "ws://127.0.0.1:$p2" --rooms 6 --peers 4 --window 2 \
  "${short[@]}" >"$work/cross.json" || fail "cross-pod run exited $?"
expect_json "$work/cross.json" \
  'j["main"]["delivered_per_s"] > 0 and j["main"]["lost"] == 0 and j["conn"]["errors"] == 0'

echo "signalmesh-cli: bob prints what alice sends"
room="tools$RANDOM"
mkfifo "$work/bob.in"
"$cli" "$url" "$room" --peer-id bob <"$work/bob.in" >"$work/bob.out" 2>"$work/bob.log" &
bob=$!
pids+=("$bob")
exec 3>"$work/bob.in" # bob's input stays open until we close it
for _ in $(seq 100); do grep -q '"welcome"' "$work/bob.out" 2>/dev/null && break; sleep 0.05; done
grep -q '"welcome"' "$work/bob.out" || fail "bob got no welcome"
echo '{"type":"ice","targetId":"bob","candidate":{"candidate":"from-the-cli"}}' |
  "$cli" "$url" "$room" --peer-id alice --grace-ms 300 >"$work/alice.out" 2>"$work/alice.log" ||
  fail "alice's cli exited $?"
grep -q '"welcome"' "$work/alice.out" || fail "alice got no welcome"
for _ in $(seq 100); do grep -q 'from-the-cli' "$work/bob.out" && break; sleep 0.05; done
grep 'from-the-cli' "$work/bob.out" | grep -q '"senderId":"alice"' ||
  fail "bob did not print alice's ice with her senderId"
exec 3>&- # end of bob's input: he closes with 1000 and exits 0
wait "$bob" || fail "bob's cli exited $? after a clean close"

echo "signalmesh-zmq-keygen: a key pair"
(cd "$work" && "$keygen" pod0 >/dev/null) || fail "keygen exited $?"
[ "$(stat -c %a "$work/pod0.key")" = 600 ] || fail "the secret key is not mode 0600"
# The .pub file: a comment line, then the key (Z85, 40 characters).
[ "$("$keygen" --public "$work/pod0.key")" = "$(grep -v '^#' "$work/pod0.pub")" ] ||
  fail "--public does not print the public key file's key"
[ "$(grep -v '^#' "$work/pod0.pub" | tr -d '\n' | wc -c)" = 40 ] || fail "the public key is not 40 characters"
if (cd "$work" && "$keygen" pod0 >/dev/null 2>&1); then fail "keygen overwrote a key without --force"; fi

echo "signalmesh-token: a pod with auth admits the token it mints"
secret="tok-$RANDOM$RANDOM"
printf '%s\n' "$secret" >"$work/jwt.secret"
auth_port=$(start_pod auth --jwt-secret-file "$work/jwt.secret") || fail "the auth pod did not start"
auth_url="ws://127.0.0.1:$auth_port"
room="tok$RANDOM"
minted=$(SIGNALMESH_JWT_SECRET="" "$token" --peer-id carol --room "$room" --jwt-secret-file "$work/jwt.secret") ||
  fail "signalmesh-token exited $?"
[[ $minted =~ ^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$ ]] ||
  fail "signalmesh-token printed more than one token: '$minted'"
"$cli" "$auth_url" "$room" --peer-id carol --token "$minted" --grace-ms 1500 </dev/null \
  >"$work/carol.out" 2>"$work/carol.log" || fail "carol with a minted token: cli exited $?"
grep -q '"welcome"' "$work/carol.out" || fail "carol's minted token was not admitted"
status=0
"$cli" "$auth_url" "other$room" --peer-id carol --token "$minted" --grace-ms 1500 </dev/null \
  >/dev/null 2>"$work/carol-other.log" || status=$?
[[ $status == 3 ]] && grep -q '^closed 4003' "$work/carol-other.log" ||
  fail "a token for another room was not refused with 4003 (exit $status: $(cat "$work/carol-other.log"))"
any=$(SIGNALMESH_JWT_SECRET="$secret" "$token" --peer-id dave --room '*' --ttl 60) ||
  fail "signalmesh-token from the environment exited $?"
"$cli" "$auth_url" "any$room" --peer-id dave --token "$any" --grace-ms 1500 </dev/null \
  >"$work/dave.out" 2>"$work/dave.log" || fail "a token for room * was refused: $(cat "$work/dave.log")"
status=0
"$token" --peer-id eve --room "$room" --jwt-secret "$secret" >"$work/eve.out" 2>&1 || status=$?
[[ $status == 2 ]] && grep -q 'not taken on the command line' "$work/eve.out" ||
  fail "signalmesh-token took --jwt-secret on its command line (exit $status)"
status=0
SIGNALMESH_JWT_SECRET="" "$token" --peer-id eve --room "$room" >/dev/null 2>&1 || status=$?
[[ $status == 2 ]] || fail "signalmesh-token without a secret exited $status, not 2"

echo "signalmesh-bench-webhooks: the sender against a receiver, and the receiver mode"
"$bench_webhooks" --mode sender --events 300 --rooms 10 --rate 2000 >"$work/hooks.json" ||
  fail "signalmesh-bench-webhooks --mode sender exited $?"
expect_json "$work/hooks.json" 'j["paced"]["received"] == 300 and j["burst"]["received"] == 300'
"$bench_webhooks" --mode receiver --port-file "$work/hooks.port" --secret "$secret" --idle-ms 3000 \
  --timeout 60 >"$work/receiver.json" &
receiver=$!
pids+=("$receiver")
for _ in $(seq 100); do [[ -s $work/hooks.port ]] && break; sleep 0.05; done
hooks_port=$(start_pod hooks --webhook-url "http://127.0.0.1:$(cat "$work/hooks.port")/hooks" \
  --webhook-secret-file "$work/jwt.secret") || fail "the webhook pod did not start"
echo '{"type":"ice","targetId":"nobody","candidate":{"candidate":"x"}}' |
  "$cli" "ws://127.0.0.1:$hooks_port" "hooks$room" --peer-id frank --grace-ms 1000 \
  >/dev/null 2>&1 || true
wait "$receiver" || fail "the receiver mode exited $?: $(cat "$work/receiver.json")"
expect_json "$work/receiver.json" \
  'j["types"].get("peer.joined") == 1 and j["types"].get("peer.left") == 1 and j["bad_signatures"] == 0'

echo "tools: all checks passed"
