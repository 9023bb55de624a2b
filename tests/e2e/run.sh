#!/usr/bin/env bash
# Runs the browser end-to-end tests (two Chromium tabs, one WebRTC call)
# against a signalmesh binary on a free loopback port.
#
#   tests/e2e/run.sh build/signalmesh
#
# Needs node (>= 20) and Debian's chromium (installed here when missing and
# running as root). Exits with the status of `node --test`.
set -euo pipefail

bin=${1:?usage: $0 path/to/signalmesh}
[[ -x $bin ]] || { echo "run.sh: $bin is not an executable" >&2; exit 2; }
bin=$(realpath "$bin")
here=$(cd "$(dirname "$0")" && pwd)
chromium=${CHROMIUM_PATH:-/usr/bin/chromium}

if [[ ! -x $chromium ]]; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "run.sh: installing Debian's chromium"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "run.sh: $chromium is missing: apt-get install -y chromium" >&2
    exit 2
  fi
fi

if [[ ! -d $here/node_modules/playwright-core ]]; then
  (cd "$here" && npm ci --no-audit --no-fund)
fi

port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
log=$(mktemp -t signalmesh-e2e.XXXXXX.log)
"$bin" --port "$port" --host 127.0.0.1 >"$log" 2>&1 &
pid=$!
cleanup() {
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -f "$log"
}
trap cleanup EXIT

url="http://127.0.0.1:$port"
healthy() {
  node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(2000) })
    .then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))' "$url/healthz"
}
deadline=$((SECONDS + 20))
until healthy; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "run.sh: signalmesh exited before answering /healthz; its log:" >&2
    cat "$log" >&2
    exit 1
  fi
  if ((SECONDS >= deadline)); then
    echo "run.sh: $url/healthz did not answer 200 within 20 s; server log:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.1
done
echo "run.sh: signalmesh is up at $url"

status=0
(cd "$here" && SIGNALMESH_URL=$url CHROMIUM_PATH=$chromium node --test) || status=$?
if ((status != 0)); then
  echo "run.sh: tests failed ($status); server log:" >&2
  cat "$log" >&2
fi
exit "$status"
