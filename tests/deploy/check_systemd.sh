#!/usr/bin/env bash
# The systemd unit (cluster/systemd/signalmesh.service) and its environment
# file (signalmesh.env.example), checked without systemd as PID 1:
#  1. `systemd-analyze verify` accepts a copy of the unit whose ExecStart is a
#     copy of the real binary, with no warning at all (and, so that a silent
#     verify cannot pass, it does warn about a copy with a misspelt key);
#     `systemd-analyze security --offline` rates its exposure at most 2.0;
#  2. the unit carries the directives docs/operations.md promises (limits,
#     restart, stop timeout above the binary's drain default, reload,
#     user, state directory, every hardening option);
#  3. every `# SIGNALMESH_X=VALUE` line of the example is a variable that
#     `signalmesh --help` lists, VALUE is its default, every variable of
#     --help appears in the example, and no secret is set inline;
#  4. the binary runs the way the unit runs it: `env -i` with the example's
#     lines uncommented with test values (internal port, TLS, JWT and API key
#     files), in a working directory standing for StateDirectory under
#     UMask=0077: it serves, keeps its SQLite store there with mode 0600,
#     survives the unit's ExecReload command with TLS still served, and
#     exits 0 on the unit's KillSignal within its TimeoutStopSec; and with
#     the example's defaults (TLS off) the ExecReload is harmless as well.
#   tests/deploy/check_systemd.sh SIGNALMESH
set -euo pipefail
binary=$(realpath "$1")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
unit="$here/../../cluster/systemd/signalmesh.service"
example="$here/../../cluster/systemd/signalmesh.env.example"
# shellcheck source=tools/lib/processes.sh
source "$here/../../tools/lib/processes.sh"
start_scratch systemd
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
fatal() {
  echo "FAIL: $*"
  for f in "$work"/*.log; do [[ -s $f ]] && { echo "--- $f"; tail -20 "$f"; }; done
  exit 1
}
command -v systemd-analyze >/dev/null || fatal "systemd-analyze is missing: apt-get install -y systemd"
help=$("$binary" --help)

echo "systemd: systemd-analyze verify and security"
mkdir -p "$work/bin"
cp "$binary" "$work/bin/signalmesh"
sed "s#^ExecStart=/usr/local/bin/signalmesh\$#ExecStart=$work/bin/signalmesh#" "$unit" \
  >"$work/signalmesh.service"
grep -qx "ExecStart=$work/bin/signalmesh" "$work/signalmesh.service" ||
  fatal "the unit's ExecStart is not /usr/local/bin/signalmesh: update this test's rewrite"
# verify warns (exit 0) about unknown keys: any line naming the unit fails.
verify() { (cd "$work" && systemd-analyze verify --man=no "./$1" 2>&1); }
out=$(verify signalmesh.service) || fail "systemd-analyze verify refused the unit: $out"
if grep -q signalmesh <<<"$out"; then fail "systemd-analyze verify warns about the unit: $out"; fi
{ cat "$work/signalmesh.service"; echo "[Service]"; echo "NoNewPrivilegs=yes"; } >"$work/misspelt.service"
grep -q "Unknown key" <<<"$(verify misspelt.service || true)" ||
  fail "systemd-analyze verify does not report a misspelt key here: this check would prove nothing"
out=$(cd "$work" && systemd-analyze security --offline=yes --threshold=20 ./signalmesh.service 2>&1) ||
  fail "the unit's exposure is above 2.0: $(grep -E '✗|Overall' <<<"$out")"

echo "systemd: the unit's directives"
# shellcheck disable=SC2016  # $MAINPID is systemd's, not ours
for line in \
  Type=simple ExecStart=/usr/local/bin/signalmesh EnvironmentFile=/etc/signalmesh/signalmesh.env \
  'ExecReload=/bin/kill -HUP $MAINPID' Restart=on-failure KillSignal=SIGTERM \
  LimitNOFILE=1048576 User=signalmesh StateDirectory=signalmesh \
  WorkingDirectory=/var/lib/signalmesh UMask=0077 \
  NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes PrivateDevices=yes \
  ProtectKernelTunables=yes ProtectKernelModules=yes ProtectKernelLogs=yes \
  ProtectControlGroups=yes 'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' \
  RestrictNamespaces=yes LockPersonality=yes MemoryDenyWriteExecute=yes \
  SystemCallFilter=@system-service SystemCallArchitectures=native CapabilityBoundingSet=; do
  grep -qxF -- "$line" "$unit" || fail "the unit lacks the line $line"
done
if grep -qE '^(AmbientCapabilities|CapabilityBoundingSet)=.+' "$unit"; then
  fail "the unit grants a capability"
fi
if grep -qE '^(DynamicUser|PermissionsStartOnly|ExecStartPre)=' "$unit"; then
  fail "the unit has DynamicUser or a pre-start step: the 0600 secret files belong to User="
fi
default_of() { # the default --help shows for variable $1 ("" and (off): empty)
  local d
  d=$(grep -oP "\(env \Q$1\E, default \K.*(?=\)\$)" <<<"$help") || return 1
  [[ $d == '""' || $d == "(off)" || $d == "(by backend)" ]] && d=""
  printf '%s' "$d"
}
drain_ms=$(default_of SIGNALMESH_DRAIN_TIMEOUT_MS) || fatal "--help shows no SIGNALMESH_DRAIN_TIMEOUT_MS"
stop_s=$(grep -oP '^TimeoutStopSec=\K[0-9]+$' "$unit") || fail "the unit has no TimeoutStopSec=SECONDS"
((${stop_s:-0} * 1000 >= drain_ms + 10000)) ||
  fail "TimeoutStopSec=${stop_s:-} is not 10 s above the drain default ($drain_ms ms)"
max_conn=$(default_of SIGNALMESH_MAX_CONNECTIONS) || fatal "--help shows no SIGNALMESH_MAX_CONNECTIONS"
((1048576 > max_conn)) || fail "LimitNOFILE is below the --max-connections default"

echo "systemd: the environment file example against --help"
mapfile -t help_vars < <(grep -oP '\(env \KSIGNALMESH_[A-Z0-9_]+(?=,)' <<<"$help")
((${#help_vars[@]} > 40)) || fatal "--help lists only ${#help_vars[@]} variables"
declare -A seen=()
while IFS= read -r line; do
  [[ -z $line || $line == \#* ]] && continue
  fail "the example sets a variable (every line must stay commented out): $line"
done <"$example"
while IFS= read -r line; do
  name=${line#\# }
  name=${name%%=*}
  value=${line#*=}
  [[ -z ${seen[$name]:-} ]] || fail "the example shows $name twice"
  seen[$name]=1
  if ! default=$(default_of "$name"); then
    fail "the example's $name is not a variable of signalmesh --help"
    continue
  fi
  [[ $value == "$default" ]] || fail "the example shows $name=$value, the default is '$default'"
  [[ $name != *_FILE || -z $value ]] || fail "$name has a value in the example"
done < <(grep -E '^# SIGNALMESH_[A-Z0-9_]*=' "$example")
((${#seen[@]} > 40)) || fail "the example shows only ${#seen[@]} variables"
for name in "${help_vars[@]}"; do
  grep -qw -- "$name" "$example" || fail "the example does not mention $name"
  # A secret with a file variable is given by the file; the TURN secret has
  # none and goes in secrets.env: never inline here.
  if [[ " ${help_vars[*]} " == *" ${name}_FILE "* || $name == SIGNALMESH_TURN_SECRET ]]; then
    if grep -qE "^#? *$name=" "$example"; then fail "the example sets the secret $name inline"; fi
  fi
done
while IFS= read -r path; do
  [[ $path == /etc/signalmesh/* || $path == /etc/signalmesh ]] ||
    fail "the example names $path, outside /etc/signalmesh"
done < <(grep -oE '/etc/[^ ,)]*' "$example")

echo "systemd: the binary run the way the unit runs it"
mkdir -p "$work/etc" "$work/state"
(
  cd "$work/etc"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout key.pem \
    -out cert.pem -days 2 -subj /CN=localhost >/dev/null 2>&1
  head -c 32 /dev/urandom | base64 >jwt.secret
  echo "unit-test-key" >api.keys
  chmod 0600 ./*
) || fatal "openssl could not make a certificate"
# The example's own lines, uncommented with test values: each must exist.
declare -A test_values=(
  [SIGNALMESH_HOST]=127.0.0.1 [SIGNALMESH_PORT]=0 [SIGNALMESH_INTERNAL_PORT]=0
  [SIGNALMESH_DEMO]=off [SIGNALMESH_TLS_CERT_FILE]="$work/etc/cert.pem"
  [SIGNALMESH_TLS_KEY_FILE]="$work/etc/key.pem" [SIGNALMESH_JWT_SECRET_FILE]="$work/etc/jwt.secret"
  [SIGNALMESH_API_KEY_FILE]="$work/etc/api.keys"
  [SIGNALMESH_ALLOWED_ORIGINS]=https://app.example.com
)
cp "$example" "$work/signalmesh.env"
for name in "${!test_values[@]}"; do
  grep -qE "^# $name=" "$work/signalmesh.env" || fail "the example has no line # $name="
  sed -i "s#^\# $name=.*#$name=${test_values[$name]}#" "$work/signalmesh.env"
done
mapfile -t vars < <(grep -vE '^(#|$)' "$work/signalmesh.env")
((${#vars[@]} == ${#test_values[@]})) || fatal "test values: ${vars[*]}"
# LimitNOFILE=1048576 sets both limits where this machine allows it (a
# container may not); the binary raises its soft limit to the hard one.
limit=$( (ulimit -n 1048576 2>/dev/null || true; ulimit -Hn))
(
  cd "$work/state" # WorkingDirectory=/var/lib/signalmesh
  umask "$(grep -oP '^UMask=\K[0-7]+$' "$unit")"
  ulimit -n 1048576 2>/dev/null || true
  exec env -i "${vars[@]}" "$work/bin/signalmesh"
) >"$work/pod.log" 2>&1 &
pid=$!
pids+=("$pid")
port=$(listening_port "$work/pod.log" 2>/dev/null) || fatal "the pod did not start from the env file"
grep -q "listening on https://127.0.0.1:$port" "$work/pod.log" || fail "the pod does not serve TLS"
for _ in $(seq 100); do
  internal=$(grep -oP 'internal endpoints on http://127.0.0.1:\K[0-9]+' "$work/pod.log" || true)
  [[ -n $internal ]] && break
  sleep 0.05
done
[[ -n $internal ]] || fatal "no internal listener from SIGNALMESH_INTERNAL_PORT"
wait_ready "$internal" || fatal "the pod never became ready on its internal port"
code() { curl -sk -o /dev/null -w '%{http_code}' "$@"; }
[[ $(code "http://127.0.0.1:$internal/healthz") == 200 ]] || fail "no /healthz on the internal port"
curl -fs "http://127.0.0.1:$internal/metrics" | grep -q '^signalmesh_build_info' ||
  fail "no /metrics on the internal port"
[[ $(code -H 'Authorization: Bearer unit-test-key' "http://127.0.0.1:$internal/api/v1/pods") == 200 ]] ||
  fail "the API key file was not read"
[[ $(code "https://127.0.0.1:$port/") == 404 ]] || fail "SIGNALMESH_DEMO=off did not turn the demo off"
[[ -f $work/state/signalmesh.db ]] || fail "the default store is not signalmesh.db in the working directory"
mode=$(stat -c %a "$work/state/signalmesh.db" 2>/dev/null || true)
[[ $mode == 600 ]] || fail "under UMask=0077 the store is mode $mode, not 600"
got=$(grep -oP 'open files: (limit|soft limit raised from [0-9]+ to) \K[0-9]+' "$work/pod.log" || true)
[[ $got == "$limit" ]] || fail "the pod's open-files limit is '$got', not the hard limit $limit"

reload=$(grep -oP '^ExecReload=\K.*' "$unit")
read -ra reload_cmd <<<"${reload//\$MAINPID/$pid}"
"${reload_cmd[@]}" || fail "the unit's ExecReload ($reload) failed"
for _ in $(seq 100); do grep -q "certificate reloaded" "$work/pod.log" && break; sleep 0.05; done
grep -q "certificate reloaded" "$work/pod.log" || fail "ExecReload did not reload the certificate"
kill -0 "$pid" 2>/dev/null || fatal "ExecReload ($reload) killed the process"
[[ $(code "https://127.0.0.1:$port/") == 404 ]] || fail "no TLS answer after ExecReload"

signal=$(grep -oP '^KillSignal=\K.*' "$unit")
start=$(date +%s%N)
kill -s "${signal#SIG}" "$pid"
status=0
timeout "${stop_s:-30}" tail --pid="$pid" -f /dev/null || fail "the pod did not stop within TimeoutStopSec"
wait "$pid" || status=$?
((status == 0)) || fail "the pod exited $status on $signal, not 0"
echo "systemd: stopped on $signal in $((($(date +%s%N) - start) / 1000000)) ms"

# The example as shipped has TLS off: the reload must be harmless there too.
echo "systemd: ExecReload with TLS off"
mkdir -p "$work/plain"
(
  cd "$work/plain"
  exec env -i SIGNALMESH_HOST=127.0.0.1 SIGNALMESH_PORT=0 "$work/bin/signalmesh"
) >"$work/plain.log" 2>&1 &
pid=$!
pids+=("$pid")
port=$(listening_port "$work/plain.log" 2>/dev/null) || fatal "the plain pod did not start"
read -ra reload_cmd <<<"${reload//\$MAINPID/$pid}"
"${reload_cmd[@]}" || fail "the unit's ExecReload ($reload) failed"
for _ in $(seq 100); do grep -q "SIGHUP: TLS is off" "$work/plain.log" && break; sleep 0.05; done
grep -q "SIGHUP: TLS is off" "$work/plain.log" || fail "ExecReload without TLS was not logged"
kill -0 "$pid" 2>/dev/null || fatal "ExecReload ($reload) killed a pod without TLS"
wait_ready "$port" || fail "the plain pod is not ready after ExecReload"
kill -s "${signal#SIG}" "$pid"
status=0
wait "$pid" || status=$?
((status == 0)) || fail "the plain pod exited $status on $signal, not 0"

if ((failures > 0)); then
  for f in "$work"/*.log; do [[ -s $f ]] && { echo "--- $f"; tail -20 "$f"; }; done
  echo "check_systemd: $failures failed"
  exit 1
fi
echo "check_systemd: all passed"
