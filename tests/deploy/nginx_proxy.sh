#!/usr/bin/env bash
# The nginx recipe (cluster/nginx/signalmesh.conf) in front of a real pod,
# run by Debian's nginx as it is written, only its listen port and upstream
# server rewritten: two signalmesh-cli members in one room exchange an ICE
# message through nginx and see each other join and leave, /turn and the
# demo page come through, and Origin reaches the pod (a foreign one is 403).
#   tests/deploy/nginx_proxy.sh SIGNALMESH CLI
set -euo pipefail
binary=$(realpath "$1")
cli=$(realpath "$2")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
recipe="$here/../../cluster/nginx/signalmesh.conf"
# shellcheck source=tools/lib/processes.sh
source "$here/../../tools/lib/processes.sh"
start_scratch nginx
fail() {
  echo "FAIL: $*"
  for f in "$work"/*.log "$work"/*.out "$work"/*.err; do [ -s "$f" ] && { echo "--- $f"; tail -20 "$f"; }; done
  exit 1
}
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $nginx_bin ]] || fail "nginx is missing: apt-get install -y nginx-light"

"$binary" --host 127.0.0.1 --port 0 --log-level warn --store none \
  --turn-uris stun:stun.example.com:3478 --allowed-origins https://app.example.com \
  >"$work/pod.log" 2>&1 &
pids+=($!)
pod_port=$(listening_port "$work/pod.log") || fail "the pod did not start"
wait_ready "$pod_port" || fail "the pod never became ready"

proxy_port=$(free_port)
sed -e "s/^  listen 80;/  listen 127.0.0.1:$proxy_port;/" \
  -e "s/^  server 127.0.0.1:8080;/  server 127.0.0.1:$pod_port;/" "$recipe" >"$work/signalmesh.conf"
grep -q "listen 127.0.0.1:$proxy_port;" "$work/signalmesh.conf" &&
  grep -q "server 127.0.0.1:$pod_port;" "$work/signalmesh.conf" ||
  fail "the recipe's listen or upstream line moved: update this test's rewrite"
mkdir -p "$work/tmp"
user_line=""
[[ $(id -u) == 0 ]] && user_line="user root;"
cat >"$work/nginx.conf" <<CONF
$user_line
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 256; }
http {
  access_log $work/nginx-access.log;
  client_body_temp_path $work/tmp/body;
  proxy_temp_path $work/tmp/proxy;
  fastcgi_temp_path $work/tmp/fastcgi;
  uwsgi_temp_path $work/tmp/uwsgi;
  scgi_temp_path $work/tmp/scgi;
  include $work/signalmesh.conf;
}
CONF
"$nginx_bin" -t -p "$work" -c "$work/nginx.conf" >"$work/nginx-t.log" 2>&1 ||
  fail "nginx -t refused the recipe: $(cat "$work/nginx-t.log")"
"$nginx_bin" -p "$work" -c "$work/nginx.conf" -g 'daemon off;' >"$work/nginx.log" 2>&1 &
pids+=($!)
base="http://127.0.0.1:$proxy_port"
for _ in $(seq 100); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.05; done
curl -fs "$base/healthz" >/dev/null || fail "no /healthz through nginx"

echo "nginx: the demo page, /turn and the Origin check come through"
# (Read whole first: grep -q stops early, and curl's SIGPIPE would fail the pipe.)
page=$(curl -fs "$base/") || fail "no demo page through nginx"
grep -q RTCPeerConnection <<<"$page" || fail "the demo page through nginx is not the demo"
turn=$(curl -fs "$base/turn?peerId=alice") || fail "no /turn through nginx"
grep -q stun.example.com <<<"$turn" || fail "/turn through nginx has not the pod's URIs: $turn"
status=$(curl -s -o /dev/null -w '%{http_code}' -H 'Origin: https://evil.example.com' \
  -H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' \
  -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' "$base/signal/r1?peerId=eve")
[[ $status == 403 ]] || fail "a foreign Origin through nginx got $status, not 403"

echo "nginx: two members signal through it"
room="nginx$RANDOM"
url="ws://127.0.0.1:$proxy_port"
mkfifo "$work/bob.in"
"$cli" "$url" "$room" --peer-id bob <"$work/bob.in" >"$work/bob.out" 2>"$work/bob.err" &
bob=$!
pids+=("$bob")
exec 3>"$work/bob.in"
for _ in $(seq 100); do grep -q '"welcome"' "$work/bob.out" 2>/dev/null && break; sleep 0.05; done
grep -q '"welcome"' "$work/bob.out" || fail "bob got no welcome through nginx"
echo '{"type":"ice","targetId":"bob","candidate":{"candidate":"through-nginx"}}' |
  "$cli" "$url" "$room" --peer-id alice --grace-ms 500 >"$work/alice.out" 2>"$work/alice.err" ||
  fail "alice's cli exited $?"
grep -q '"welcome"' "$work/alice.out" || fail "alice got no welcome through nginx"
for _ in $(seq 100); do grep -q 'through-nginx' "$work/bob.out" && break; sleep 0.05; done
grep 'through-nginx' "$work/bob.out" | grep -q '"senderId":"alice"' ||
  fail "bob did not get alice's ice through nginx"
grep -q '"type":"peer-joined","peerId":"alice"' "$work/bob.out" || fail "bob was not told alice joined"
for _ in $(seq 100); do grep -q '"type":"peer-left","peerId":"alice"' "$work/bob.out" && break; sleep 0.05; done
grep -q '"type":"peer-left","peerId":"alice"' "$work/bob.out" || fail "bob was not told alice left"
exec 3>&-
wait "$bob" || fail "bob's cli exited $? after a clean close through nginx"
grep -q '^closed 1000' "$work/bob.err" || fail "bob's close was not a clean 1000: $(cat "$work/bob.err")"
echo "nginx: all checks passed"
