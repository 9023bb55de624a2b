# shellcheck shell=bash
# The Debian 12 packages signalmesh needs, in one place, and a helper that
# installs only the missing ones. Sourced by tools/run and tools/test.

# To build the library, the binary and the tests.
# shellcheck disable=SC2034  # used by the scripts that source this file
SIGNALMESH_BUILD_PACKAGES=(
  cmake g++ ninja-build pkg-config
  libasio-dev libwebsocketpp-dev rapidjson-dev libssl-dev
  libgtest-dev libgmock-dev
  libhiredis-dev libzmq3-dev cppzmq-dev
  libcli11-dev libspdlog-dev
  libsqlite3-dev libpq-dev
  libcurl4-openssl-dev
)

# Additionally, to run every test stage: Redis for the redis backend tests,
# curl and jq for the shell tests that drive the API as an operator would,
# nginx for the reverse-proxy recipe's test (cluster/nginx),
# Python with YAML for the deployment manifest check, clang and its runtime
# for libFuzzer, Chromium for the browser test, and NSS's certutil
# (libnss3-tools) with which the browser test over TLS adds its test CA to the
# NSS database Chromium reads (tests/e2e/tls.test.mjs).
# shellcheck disable=SC2034  # used by the scripts that source this file
SIGNALMESH_TEST_PACKAGES=(
  redis-server coturn curl jq nginx-light
  postgresql
  python3 python3-yaml systemd  # systemd: systemd-analyze, for cluster/systemd's check
  clang libclang-rt-14-dev
  chromium libnss3-tools
)

# Node.js and npm run the browser test; a machine that already has `node`
# (from any source) keeps it.
signalmesh_node_packages() {
  if ! command -v node >/dev/null 2>&1; then
    echo nodejs npm
  fi
}

# ensure_packages PKG...: installs those of PKG that dpkg does not list as
# installed; apt-get update runs only when something is missing.
ensure_packages() {
  local missing=() pkg status
  for pkg in "$@"; do
    status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
    if [[ "$status" != "install ok installed" ]]; then
      missing+=("$pkg")
    fi
  done
  if ((${#missing[@]} == 0)); then
    return 0
  fi
  echo "Installing missing packages: ${missing[*]}"
  local sudo=()
  if ((EUID != 0)); then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "error: not root and sudo is missing; install as root: apt-get install -y ${missing[*]}" >&2
      return 1
    fi
    sudo=(sudo)
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing[@]}"
}
