#!/usr/bin/env bash
# TLS on the public port (issue 15 item 1, docs/operations.md): a CA and two
# server certificates made here with openssl; a pod with --tls-cert-file and
# --tls-key-file answers https:// and wss:// (curl, Node's WebSocket), refuses
# TLS 1.1 and a suite without forward secrecy, and on SIGHUP serves the new
# certificate to new connections while an open wss:// connection goes on.
# Bad files stop it at start with one line.
#   tests/tls/tls_test.sh SIGNALMESH
set -euo pipefail
binary=$(realpath "$1")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tools/lib/processes.sh
source "$here/../../tools/lib/processes.sh"
start_scratch tls
fail() {
  echo "FAIL: $*"
  for f in "$work"/*.log "$work"/*.out; do [ -s "$f" ] && { echo "--- $f"; tail -20 "$f"; }; done
  exit 1
}
cd "$work"

# make_cert NAME CN: NAME.pem (signed by the test CA, for 127.0.0.1) and NAME.key.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key \
  -out ca.pem -days 2 -subj "/CN=signalmesh test CA" 2>/dev/null
make_cert() {
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$1.key" \
    -out "$1.csr" -subj "/CN=$2" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$1.pem" -days 2 \
    -extfile "$1.ext" 2>/dev/null
}
make_cert first "signalmesh first"
make_cert second "signalmesh second"
cp first.pem live.pem
cp first.key live.key

# served_cn PORT: the CN of the certificate a new connection gets.
served_cn() {
  openssl s_client -connect "127.0.0.1:$1" -servername localhost </dev/null 2>/dev/null |
    openssl x509 -noout -subject | sed 's/.*CN *= *//'
}

"$binary" --host 127.0.0.1 --port 0 --log-level info --store none \
  --tls-cert-file live.pem --tls-key-file live.key >pod.log 2>&1 &
pod=$!
pids+=("$pod")
port=$(listening_port pod.log) || fail "the TLS pod did not start"
grep -q "signalmesh listening on https://127.0.0.1:$port" pod.log || fail "the pod does not say https://"

echo "tls: https:// with the test CA, TLS 1.2 and 1.3, nothing older, no suite without forward secrecy"
[[ $(curl -s --cacert ca.pem "https://127.0.0.1:$port/healthz") == ok ]] || fail "no /healthz over https"
head=$(curl -sI --cacert ca.pem "https://127.0.0.1:$port/healthz")
grep -qi '^server: signalmesh/' <<<"$head" || fail "the https answer does not name signalmesh: $head"
curl -s --cacert ca.pem --tlsv1.2 --tls-max 1.2 -o /dev/null "https://127.0.0.1:$port/healthz" ||
  fail "TLS 1.2 was refused"
curl -s --cacert ca.pem --tlsv1.3 -o /dev/null "https://127.0.0.1:$port/healthz" || fail "TLS 1.3 was refused"
if curl -s --cacert ca.pem --tls-max 1.1 -o /dev/null "https://127.0.0.1:$port/healthz" 2>/dev/null; then
  fail "TLS 1.1 was accepted"
fi
if openssl s_client -connect "127.0.0.1:$port" -tls1_2 -cipher AES128-SHA </dev/null >cipher.out 2>&1 &&
  grep -q 'Cipher is AES128-SHA' cipher.out; then
  fail "a suite without forward secrecy (AES128-SHA) was accepted"
fi
if curl -s -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null; then
  fail "plain http:// was answered on the TLS port"
fi
[[ $(served_cn "$port") == "signalmesh first" ]] || fail "the served certificate is not the first"

echo "tls: wss:// members (Node's WebSocket), one of them open across a certificate reload"
cat >members.mjs <<'JS'
// alice joins and stays; once ./go exists, bob joins and sends her an ice.
import { existsSync } from 'node:fs';
const url = process.argv[2];
const fail = (why) => { console.error(why); process.exit(1); };
const alice = new WebSocket(`${url}/signal/room1?peerId=alice`);
alice.onerror = () => fail('alice: connection error');
alice.onclose = (e) => fail(`alice closed ${e.code}`);
alice.onmessage = (e) => {
  const m = JSON.parse(e.data);
  if (m.type === 'welcome') {
    console.log('alice welcomed');
    const wait = setInterval(() => {
      if (!existsSync('go')) return;
      clearInterval(wait);
      const bob = new WebSocket(`${url}/signal/room1?peerId=bob`);
      bob.onerror = () => fail('bob: connection error');
      bob.onmessage = (b) => {
        if (JSON.parse(b.data).type === 'welcome') {
          bob.send(JSON.stringify({ type: 'ice', targetId: 'alice', candidate: { candidate: 'after-reload' } }));
        }
      };
    }, 20);
  }
  if (m.type === 'ice' && m.senderId === 'bob' && m.candidate.candidate === 'after-reload') {
    console.log('alice got bob\'s ice after the reload');
    process.exit(0);
  }
};
setTimeout(() => fail('timeout'), 15000);
JS
NODE_EXTRA_CA_CERTS=ca.pem node --no-warnings --experimental-websocket members.mjs \
  "wss://127.0.0.1:$port" >members.out 2>&1 &
members=$!
pids+=("$members")
for _ in $(seq 200); do grep -q 'alice welcomed' members.out 2>/dev/null && break; sleep 0.05; done
grep -q 'alice welcomed' members.out || fail "alice was not welcomed over wss://"

cp second.pem live.pem
cp second.key live.key
kill -HUP "$pod"
for _ in $(seq 100); do grep -q 'TLS: certificate reloaded' pod.log && break; sleep 0.05; done
grep -q 'TLS: certificate reloaded' pod.log || fail "SIGHUP did not reload the certificate"
kill -0 "$pod" 2>/dev/null || fail "SIGHUP stopped the pod"
[[ $(served_cn "$port") == "signalmesh second" ]] || fail "new connections do not get the new certificate"
touch go
wait "$members" || fail "the wss:// members failed: $(cat members.out)"

echo "tls: a reload with a broken file keeps the previous certificate"
echo "not a certificate" >live.pem
kill -HUP "$pod"
for _ in $(seq 100); do grep -q 'was not reloaded' pod.log && break; sleep 0.05; done
grep -q 'was not reloaded, the previous one stays' pod.log || fail "a broken reload was not reported"
[[ $(served_cn "$port") == "signalmesh second" ]] || fail "a broken reload replaced the certificate"
kill -TERM "$pod"
wait "$pod" || fail "the pod did not stop cleanly"

echo "tls: bad files stop the start"
status=0
"$binary" --port 0 --tls-cert-file first.pem --tls-key-file second.key >mismatch.log 2>&1 || status=$?
[[ $status == 1 ]] && grep -q 'tls-key-file second.key: .*key values mismatch' mismatch.log ||
  fail "a key of another certificate: exit $status, $(cat mismatch.log)"
status=0
"$binary" --port 0 --tls-cert-file first.pem >half.log 2>&1 || status=$?
[[ $status == 2 ]] && grep -q 'needs its pair' half.log || fail "a cert without key: exit $status, $(cat half.log)"
status=0
"$binary" --port 0 --tls-cert-file missing.pem --tls-key-file first.key >missing.log 2>&1 || status=$?
[[ $status == 1 ]] && grep -q -- '--tls-cert-file missing.pem' missing.log ||
  fail "a missing certificate: exit $status, $(cat missing.log)"
echo "tls: all checks passed"
