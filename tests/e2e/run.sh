#!/usr/bin/env bash
# Runs the browser end-to-end tests against a signalmesh binary on free
# loopback ports: the demo (two Chromium tabs, one WebRTC call) against one
# pod without API keys (SIGNALMESH_URL), and the operator page /admin against
# a two-pod ZeroMQ mesh with an API key whose room records are kept in a
# redis-server (SIGNALMESH_ADMIN_URL, SIGNALMESH_ADMIN_URL2,
# SIGNALMESH_API_KEY); and the demo over TLS (tls.test.mjs): a pod of its own
# serving https:// and wss:// with a certificate made here by a test CA
# (SIGNALMESH_TLS_URL), and Debian's nginx running cluster/nginx/signalmesh.conf
# rewritten to terminate TLS with that certificate in front of the demo's pod
# (SIGNALMESH_NGINX_URL); the CA is SIGNALMESH_TLS_CA.
#
#   tests/e2e/run.sh build/signalmesh
#
# Needs node (>= 20), Debian's chromium, redis-server, nginx and NSS's
# certutil (installed here when missing and running as root), and openssl.
# Exits with the status of `node --test`.
set -euo pipefail

bin=${1:?usage: $0 path/to/signalmesh}
[[ -x $bin ]] || { echo "run.sh: $bin is not an executable" >&2; exit 2; }
bin=$(realpath "$bin")
here=$(cd "$(dirname "$0")" && pwd)
chromium=${CHROMIUM_PATH:-/usr/bin/chromium}

missing=()
[[ -x $chromium ]] || missing+=(chromium)
command -v redis-server >/dev/null || missing+=(redis-server)
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $nginx_bin ]] || missing+=(nginx-light)
command -v certutil >/dev/null || missing+=(libnss3-tools)
command -v openssl >/dev/null || missing+=(openssl)
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
  if [[ -s $logs/nginx-error.log ]]; then
    echo "--- nginx error log:" >&2
    cat "$logs/nginx-error.log" >&2
  fi
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

mapfile -t ports < <(free_ports 8)
(( ${#ports[@]} == 8 )) || { echo "run.sh: could not pick free ports" >&2; exit 1; }

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

# The demo over TLS. A test CA and a server certificate for 127.0.0.1 and
# localhost (as tests/tls/tls_test.sh makes them); the browser test trusts
# the CA, and so does Node here (wait_200's fetch).
tls=$logs/tls
mkdir "$tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$tls/ca.key" \
  -out "$tls/ca.pem" -days 2 -subj "/CN=signalmesh e2e test CA" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$tls/server.key" \
  -out "$tls/server.csr" -subj "/CN=signalmesh e2e" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$tls/server.ext"
openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial \
  -out "$tls/server.pem" -days 2 -extfile "$tls/server.ext" 2>/dev/null
export NODE_EXTRA_CA_CERTS=$tls/ca.pem

# signalmesh itself on https:// and wss://: local backend, no store.
tls_url="https://127.0.0.1:${ports[6]}"
start tls "$bin" --host 127.0.0.1 --port "${ports[6]}" --store none \
  --tls-cert-file "$tls/server.pem" --tls-key-file "$tls/server.key"
wait_200 tls "$tls_url/healthz"
echo "run.sh: signalmesh with TLS is up at $tls_url"

# nginx terminating TLS in front of the demo's pod: the recipe as written,
# only its listen line (now with ssl and the certificate) and its upstream
# server rewritten, run as in tests/deploy/nginx_proxy.sh (every path in
# $logs).
nginx_port=${ports[7]}
recipe="$here/../../cluster/nginx/signalmesh.conf"
sed -e "s|^  listen 80;|  listen 127.0.0.1:$nginx_port ssl;\n  ssl_certificate $tls/server.pem;\n  ssl_certificate_key $tls/server.key;|" \
  -e "s/^  server 127.0.0.1:8080;/  server 127.0.0.1:${ports[0]};/" "$recipe" >"$logs/signalmesh-nginx.conf"
if ! grep -q "listen 127.0.0.1:$nginx_port ssl;" "$logs/signalmesh-nginx.conf" ||
  ! grep -q "server 127.0.0.1:${ports[0]};" "$logs/signalmesh-nginx.conf"; then
  echo "run.sh: the nginx recipe's listen or upstream line moved: update this rewrite" >&2
  exit 1
fi
mkdir "$logs/nginx-tmp"
nginx_user=""
[[ $(id -u) == 0 ]] && nginx_user="user root;"
cat >"$logs/nginx.conf" <<CONF
$nginx_user
worker_processes 1;
pid $logs/nginx.pid;
error_log $logs/nginx-error.log warn;
events { worker_connections 256; }
http {
  access_log $logs/nginx-access.log;
  client_body_temp_path $logs/nginx-tmp/body;
  proxy_temp_path $logs/nginx-tmp/proxy;
  fastcgi_temp_path $logs/nginx-tmp/fastcgi;
  uwsgi_temp_path $logs/nginx-tmp/uwsgi;
  scgi_temp_path $logs/nginx-tmp/scgi;
  include $logs/signalmesh-nginx.conf;
}
CONF
if ! "$nginx_bin" -t -q -e "$logs/nginx-error.log" -p "$logs" -c "$logs/nginx.conf" >"$logs/nginx-t.log" 2>&1; then
  echo "run.sh: nginx -t refused the recipe with TLS:" >&2
  cat "$logs/nginx-t.log" >&2
  exit 1
fi
start nginx "$nginx_bin" -e "$logs/nginx-error.log" -p "$logs" -c "$logs/nginx.conf" -g 'daemon off;'
nginx_url="https://127.0.0.1:$nginx_port"
wait_200 nginx "$nginx_url/healthz"
echo "run.sh: nginx terminating TLS in front of $url is up at $nginx_url"

status=0
(cd "$here" && SIGNALMESH_URL=$url SIGNALMESH_ADMIN_URL=${admin_urls[0]} \
  SIGNALMESH_ADMIN_URL2=${admin_urls[1]} SIGNALMESH_API_KEY=$api_key CHROMIUM_PATH=$chromium \
  SIGNALMESH_TLS_URL=$tls_url SIGNALMESH_NGINX_URL=$nginx_url SIGNALMESH_TLS_CA=$tls/ca.pem \
  node --test) || status=$?
if ((status != 0)); then
  echo "run.sh: tests failed ($status); server logs:" >&2
  print_logs
fi
exit "$status"
