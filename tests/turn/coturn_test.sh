#!/usr/bin/env bash
# Proof against a real coturn (use-auth-secret): credentials issued by
# signalmesh's /turn open a real TURN allocation; a tampered password and an
# expired username are refused.
#   tests/turn/coturn_test.sh SIGNALMESH_BINARY
set -euo pipefail
binary=$1
secret="coturn-shared-secret"
# shellcheck source=tools/lib/processes.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../tools/lib/processes.sh"
start_scratch coturn
fail() { echo "FAIL: $*"; for f in "$work"/*.log; do echo "--- $f"; tail -20 "$f"; done; exit 1; }

turn_port=$(free_port)
turnserver -n --listening-ip=127.0.0.1 --listening-port="$turn_port" --use-auth-secret \
  --static-auth-secret="$secret" --realm=signalmesh.test --no-tls --no-dtls --no-cli \
  --allow-loopback-peers --log-file=stdout --simple-log --pidfile "$work/turn.pid" \
  >"$work/turnserver.log" 2>&1 &
pids+=($!)

"$binary" --host 127.0.0.1 --port 0 --log-level warn --turn-secret "$secret" \
  --turn-uris "turn:127.0.0.1:$turn_port?transport=udp" --turn-ttl 600 \
  >"$work/signalmesh.log" 2>&1 &
pids+=($!)
port=$(listening_port "$work/signalmesh.log") || fail "signalmesh did not start"
for _ in $(seq 200); do
  grep -q "listener opened\|Total General servers" "$work/turnserver.log" 2>/dev/null && break
  sleep 0.05
done

body=$(curl -sf "http://127.0.0.1:$port/turn?peerId=alice") || fail "/turn did not answer 200"
user=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["username"])' <<<"$body")
pass=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["password"])' <<<"$body")
echo "issued username $user"

allocate() {  # user pass -> exit status of a real allocation + relay round trip
  timeout 20 turnutils_uclient -p "$turn_port" -u "$1" -w "$2" -n 1 -m 1 -y 127.0.0.1 \
    >>"$work/uclient.log" 2>&1
}
passed=0
allocate "$user" "$pass" || fail "coturn refused the credentials signalmesh issued"
passed=$((passed + 1))
if allocate "$user" "x${pass}"; then fail "coturn accepted a tampered password"; fi
passed=$((passed + 1))
expired="$(($(date +%s) - 60)):alice"
expired_pass=$(printf %s "$expired" | openssl dgst -sha1 -hmac "$secret" -binary | base64)
if allocate "$expired" "$expired_pass"; then fail "coturn accepted an expired username"; fi
passed=$((passed + 1))
echo "$passed passed, 0 failed"
