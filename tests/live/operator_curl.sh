#!/usr/bin/env bash
# Issue 13's "done when", the way an operator would do it: from a shell with
# curl and the API key, list a room's members, kick one, message the room and
# delete it through any pod of a three-pod cluster (Redis backend and store),
# while a webhook receiver sees each resulting event once, validly signed.
# The members are signalmesh-cli clients on pods 1 and 2; the live calls go
# to pod 3, which holds none, and the deletion to pod 1. Every step prints
# the command it runs: the output doubles as the example of docs/api.md §7.
# The deletion goes through the host's pod on purpose: that pod's own
# members leave after the RoomClosed it publishes, so the other pods never
# take them for ordinary departures (no peer-left, no host moved, no
# host.changed before room-closed; Agreement::close_room).
#   tests/live/operator_curl.sh SIGNALMESH_BIN CLI_BIN RECEIVER_BIN
set -euo pipefail
binary=$(realpath "$1")
cli=$(realpath "$2")
receiver=$(realpath "$3")
# shellcheck source=tools/lib/processes.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../tools/lib/processes.sh"
start_scratch operator-curl
started=$SECONDS

# fail MESSAGE: says what went wrong, shows the logs, exits 1 (the trap cleans up).
fail() {
  echo "FAIL: $*" >&2
  local f
  for f in "$work"/*.log "$work"/*.out "$work"/*.err "$work/hooks.jsonl"; do
    [[ -s "$f" ]] && { echo "--- $f" >&2; tail -30 "$f" >&2; }
  done
  exit 1
}
step() { echo "==> $*"; }
cleanup() {
  local rc=$?
  trap - EXIT
  stop_scratch # SIGTERM to the clients, the pods, the receiver and redis, then wait
  ((rc == 0)) && echo "operator_curl: passed in $((SECONDS - started)) s"
  exit "$rc"
}
trap cleanup EXIT

for tool in curl jq redis-server python3; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (tools/lib/packages.sh)"
done

# wait_line FILE PATTERN [SECONDS]: until a line of FILE matches the ERE (default 10 s).
wait_line() {
  local _
  for _ in $(seq $((${3:-10} * 20))); do
    grep -Eq -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}
# wait_msg NAME JQ-FILTER: until client NAME printed a message the filter selects (10 s).
wait_msg() {
  local _
  for _ in $(seq 200); do
    # (the last line may be half written: jq then fails after the earlier ones)
    [[ -n "$(jq -c "select($2)" "$work/$1.out" 2>/dev/null || true)" ]] && return 0
    sleep 0.05
  done
  return 1
}

# ---------------------------------------------------------------- the cluster
KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')
echo "$KEY" >"$work/api-keys"
python3 -c 'import secrets; print(secrets.token_urlsafe(32))' >"$work/webhook-secret"

step "redis-server, the webhook receiver and three pods"
start_redis
redis_url="redis://127.0.0.1:$redis_port"
"$receiver" --port-file "$work/receiver.port" --out "$work/hooks.jsonl" \
  --secret-file "$work/webhook-secret" >"$work/receiver.log" 2>&1 &
pids+=($!)
wait_line "$work/receiver.port" '^[0-9]+$' || fail "the webhook receiver did not start"
hook_url="http://127.0.0.1:$(cat "$work/receiver.port")/hooks"

ports=()
for i in 1 2 3; do
  "$binary" --host 127.0.0.1 --port 0 --pod-id "pod$i" --log-level info \
    --backend redis --redis-url "$redis_url" --store "$redis_url" \
    --api-key-file "$work/api-keys" \
    --webhook-url "$hook_url" --webhook-secret-file "$work/webhook-secret" \
    --drain-timeout-ms 1000 >"$work/pod$i.log" 2>&1 &
  pids+=($!)
done
for i in 1 2 3; do
  port=$(listening_port "$work/pod$i.log") || fail "pod$i did not start"
  wait_ready "$port" || fail "pod$i never became ready"
  ports+=("$port")
done
pod1=${ports[0]} pod2=${ports[1]} pod3=${ports[2]}
echo "    pod1 :$pod1  pod2 :$pod2  pod3 :$pod3  (redis :$redis_port, hooks $hook_url)"

# api PORT METHOD PATH [JSON]: one call as an operator types it; sets $status and $body.
api() {
  local port=$1 method=$2 path=$3 data=${4-}
  local args=(-sS -o "$work/body" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $KEY")
  local shown="curl -X $method -H \"Authorization: Bearer \$KEY\""
  if [[ -n "$data" ]]; then
    args+=(-H 'Content-Type: application/json' --data "$data")
    shown+=" -H 'Content-Type: application/json' -d '$data'"
  fi
  echo "    \$ $shown 'http://127.0.0.1:$port$path'"
  status=$(curl "${args[@]}" "http://127.0.0.1:$port$path") || fail "curl could not reach :$port"
  body=$(cat "$work/body")
  echo "    $status ${body}"
}
expect_status() { [[ "$status" == "$1" ]] || fail "expected HTTP $1, got $status: $body"; }
# expect_body JQ-FILTER: the last answer's body satisfies it.
expect_body() { jq -e "$1" <<<"$body" >/dev/null || fail "the answer does not satisfy $1: $body"; }

step "every pod sees the three pods (GET /api/v1/pods)"
for port in "$pod1" "$pod2" "$pod3"; do
  for _ in $(seq 100); do
    n=$(curl -sS -H "Authorization: Bearer $KEY" "http://127.0.0.1:$port/api/v1/pods" | jq '.pods | length')
    [[ "$n" == 3 ]] && break
    sleep 0.05
  done
  [[ "$n" == 3 ]] || fail "the pod on :$port sees $n pods, not 3"
done
api "$pod3" GET /api/v1/pods
expect_status 200
expect_body '.self == "pod3" and .pods == ["pod1","pod2","pod3"]'

# ---------------------------------------------------------------- the members
room="ops$RANDOM$RANDOM"
# join NAME PORT: member NAME of $room on the pod at PORT, a signalmesh-cli
# whose stdin (a fifo) stays open until the script ends; waits for welcome.
join() {
  local name=$1 port=$2 fd
  mkfifo "$work/$name.in"
  "$cli" "ws://127.0.0.1:$port" "$room" --peer-id "$name" <"$work/$name.in" \
    >"$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
  # shellcheck disable=SC2034  # fd: held open (the member stays) until the script exits
  exec {fd}>"$work/$name.in"
  wait_line "$work/$name.out" '"type":"welcome"' || fail "$name got no welcome from :$port"
  echo "    $name joined $room on :$port"
}
step "three members in room $room: alice on pod1, bob and carol on pod2 (signalmesh-cli)"
join alice "$pod1"
join bob "$pod2"
join carol "$pod2"
for m in alice bob; do
  wait_msg $m '.type == "peer-joined" and .peerId == "carol"' || fail "$m never saw carol join"
done

# ------------------------------------------------------- the operator's calls
step "list the members through pod3, which holds none"
api "$pod3" GET "/api/v1/rooms/$room/members"
expect_status 200
expect_body "(.members | length) == 3"
expect_body '[.members[].peerId] == ["alice","bob","carol"] and .hostId == "alice"'
expect_body '[.members[].pod] == ["pod1","pod2","pod2"]'

step "kick carol through pod3, with a reason"
api "$pod3" DELETE "/api/v1/rooms/$room/members/carol?reason=too%20loud"
expect_status 204
wait_msg carol '.type == "kick"' || fail "carol got no kick"
wait_msg carol '.type == "kick" and .targetId == "carol" and .reason == "too loud" and (has("senderId") | not)' ||
  fail "carol's kick is not {targetId carol, reason 'too loud'}, no senderId: $(grep kick "$work/carol.out")"
wait_line "$work/carol.err" '^closed 4010' || fail "carol was not closed with 4010"
echo "    carol: $(grep '"type":"kick"' "$work/carol.out"), then $(cat "$work/carol.err")"
for m in alice bob; do
  wait_msg $m '.type == "peer-left" and .peerId == "carol" and .reason == "kicked"' ||
    fail "$m saw no peer-left for carol with reason kicked"
done

step "message the room through pod3"
api "$pod3" POST "/api/v1/rooms/$room/messages" '{"data":{"notice":"closing in 1 min"}}'
expect_status 202
expect_body '.recipients == 2'
for m in alice bob; do
  wait_msg $m '.type == "server-message"' || fail "$m got no server-message"
  wait_msg $m '.type == "server-message" and .data == {"notice":"closing in 1 min"}' ||
    fail "$m's server-message has other data: $(grep server-message "$work/$m.out")"
  echo "    $m: $(grep '"type":"server-message"' "$work/$m.out")"
done

step "list the members again, through pod2 this time"
api "$pod2" GET "/api/v1/rooms/$room/members"
expect_status 200
expect_body '[.members[].peerId] == ["alice","bob"]'

step "delete the room through pod1"
api "$pod1" DELETE "/api/v1/rooms/$room"
expect_status 204
for m in alice bob; do
  wait_line "$work/$m.err" '^closed 4011' || fail "$m was not closed with 4011"
  wait_msg $m '.type == "error" and .code == "room-closed"' || fail "$m got no error room-closed first"
  echo "    $m: $(grep room-closed "$work/$m.out"), then $(cat "$work/$m.err")"
  # Between the server message and room-closed a deletion tells nothing.
  between=$(jq -c 'select(.type != "error")' "$work/$m.out" | sed '1,/"server-message"/d')
  [[ -z "$between" ]] || fail "$m was told more than room-closed of the deletion: $between"
done
api "$pod3" GET "/api/v1/rooms/$room"
expect_status 404

# -------------------------------------------------------------- the webhooks
step "the receiver saw each event once, every request signed"
# What the story produces: the first join's record (room.created, source
# join), three joins, carol's kick, the deletion and the peer.left of each
# member it closed (docs/webhooks.md). Nothing else: no host.changed (the
# host was never kicked), no room.status (the room never played).
expected='peer.joined:alice peer.joined:bob peer.joined:carol peer.left:alice/left peer.left:bob/left peer.left:carol/kicked room.created room.deleted'
check_hooks() {
  python3 - "$work/hooks.jsonl" "$room" "$expected" "$1" <<'PY'
import collections, json, sys
path, room, expected, final = sys.argv[1], sys.argv[2], sorted(sys.argv[3].split()), sys.argv[4] == "final"
lines = [json.loads(l) for l in open(path) if l.strip()]
errors, first = [], {}
for n, h in enumerate(lines, 1):
    if not h["signatureValid"]:
        errors.append(f"request {n} ({h['id']} {h['type']}): invalid signature")
    if h["path"] != "/hooks":
        errors.append(f"request {n}: path {h['path']}")
    if h["eventIdHeader"] != h["id"]:
        errors.append(f"request {n}: Signalmesh-Event-Id {h['eventIdHeader']} but id {h['id']}")
    if h["id"] in first and first[h["id"]]["body"] != h["body"]:
        errors.append(f"request {n}: id {h['id']} again with another body:\n  {first[h['id']]['body']}\n  {h['body']}")
    first.setdefault(h["id"], h)
def label(h):
    d = h["data"] or {}
    if h["type"] == "peer.joined": return f"peer.joined:{d.get('peerId')}"
    if h["type"] == "peer.left": return f"peer.left:{d.get('peerId')}/{d.get('reason')}"
    if h["type"] == "host.changed": return f"host.changed:{d.get('hostId')}<-{d.get('previousHostId')}"
    if h["type"] == "room.created": return "room.created" if d.get("source") == "join" else f"room.created/{d.get('source')}"
    return h["type"]
events = [h for h in first.values() if h["roomId"] == room]
others = [h for h in first.values() if h["roomId"] != room]
got = sorted(label(h) for h in events)
if others:
    errors.append(f"events of other rooms: {[(h['roomId'], h['type']) for h in others]}")
missing = list((collections.Counter(expected) - collections.Counter(got)).elements())
extra_counts = collections.Counter(got) - collections.Counter(expected)
extra = list(extra_counts.elements())
if not final:
    sys.exit(0 if not missing else 1)
if missing: errors.append(f"missing: {missing}")
if extra: errors.append(f"unexpected or duplicated (by type and peer, under distinct ids): {extra}")
for e in errors: print("   ", e)
if not errors:
    for h in sorted(events, key=lambda h: h["time"]):
        print(f"    {h['time']} {h['id']} {label(h)}")
    print(f"    {len(lines)} requests, {len(first)} distinct events, every signature valid")
sys.exit(1 if errors else 0)
PY
}
for _ in $(seq 100); do
  check_hooks wait && break
  sleep 0.1
done
sleep 1 # settle: a duplicate would arrive now
check_hooks final || fail "the webhook events are not each event once, validly signed (above)"

step "done: members, kick, message and delete through any pod, each event told once"
