#!/usr/bin/env bash
# Runs the web app's browser tests (tests/browser): Playwright (playwright-core
# from npm) driving Debian's chromium against a real helpline server.
#
#   scripts/browser-test.sh                        # builds helpline-server, then tests
#   HELPLINE_BIN=/path/to/helpline scripts/browser-test.sh
#   scripts/browser-test.sh --update-screenshots   # also refresh docs/screenshots/
#   HELPLINE_BROWSER_TESTS="calls.test.mjs" scripts/browser-test.sh   # only these files
#
# It installs chromium (and coturn, for the calls test's TURN run) with
# apt-get when /usr/bin/chromium or /usr/bin/turnserver is missing (needs
# root), and a colour emoji font when there is none, never lets Playwright
# download a browser, starts coturn on loopback and the server on free ports
# (the server with the same TURN secret) with a temporary database, and
# always stops both. Screenshots and failure captures land in
# tests/browser/artifacts/.
set -euo pipefail

root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
browser_dir="$root/tests/browser"
update_screenshots=0
if [[ "${1:-}" == "--update-screenshots" ]]; then
  update_screenshots=1
  shift
fi

command -v node >/dev/null || { echo "browser-test: node (>= 20) is required" >&2; exit 1; }
command -v npm >/dev/null || { echo "browser-test: npm is required" >&2; exit 1; }

export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
TURNSERVER="${TURNSERVER:-/usr/bin/turnserver}"
missing=()
[[ -x "$CHROMIUM" ]] || missing+=(chromium)
[[ -x "$TURNSERVER" ]] || missing+=(coturn)
if (( ${#missing[@]} )); then
  echo "== installing Debian's ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y "${missing[@]}"
fi
# A colour emoji font, so reactions show as emoji (not empty boxes) in the
# screenshots; the app names each reaction in words as well.
if command -v fc-list >/dev/null && ! fc-list | grep -qi 'color emoji'; then
  echo "== installing Debian's fonts-noto-color-emoji" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y fonts-noto-color-emoji || echo "browser-test: no emoji font; continuing" >&2
fi

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
echo "== npm ci (tests/browser)" >&2
(cd "$browser_dir" && npm ci --no-audit --no-fund)

if [[ -n "${HELPLINE_BIN:-}" ]]; then
  case "$HELPLINE_BIN" in
    /*) ;;
    *) HELPLINE_BIN="$(pwd)/$HELPLINE_BIN" ;;
  esac
else
  echo "== cargo build -p helpline-server" >&2
  (cd "$root" && cargo build -p helpline-server)
  HELPLINE_BIN="$root/target/debug/helpline"
fi
[[ -x "$HELPLINE_BIN" ]] || { echo "browser-test: no helpline binary at $HELPLINE_BIN" >&2; exit 1; }
export HELPLINE_BIN

data="$(mktemp -d "${TMPDIR:-/tmp}/helpline-browser.XXXXXX")"
server_pid=""
turn_pid=""
stop_pid() {
  local pid="$1"
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
}
stop_server() {
  stop_pid "$server_pid"
  stop_pid "$turn_pid"
  rm -rf "$data"
}
trap stop_server EXIT INT TERM

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
port="$(free_port)"
export HELPLINE_URL="http://127.0.0.1:$port"
export HELPLINE_DATABASE_URL="sqlite://$data/helpline.db"

# coturn on loopback for the calls test's relay-only run: TURN REST
# credentials (use-auth-secret) with a secret shared with the server, UDP
# only, loopback peers allowed (both browsers' relayed addresses are
# 127.0.0.1), its own user database and log in the temporary folder.
turn_port="$(free_port)"
turn_secret="$(node -e 'console.log(require("crypto").randomBytes(24).toString("hex"))')"
"$TURNSERVER" -n --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 --listening-port="$turn_port" \
  --use-auth-secret --static-auth-secret="$turn_secret" --realm=helpline \
  --no-tls --no-dtls --no-tcp-relay --allow-loopback-peers --no-cli --no-multicast-peers \
  --userdb="$data/turndb" --pidfile="$data/turnserver.pid" \
  --log-file="$data/turnserver.log" --simple-log --no-stdout-log >/dev/null 2>&1 &
turn_pid=$!
turn_urls="turn:127.0.0.1:$turn_port?transport=udp"
# For the calls test (not HELPLINE_TURN_URLS: `helpline user create`, run by
# the tests, would then want the secret too).
export HELPLINE_TEST_TURN_URLS="$turn_urls"

# Settings come only from here, not from the caller's environment.
# A short disconnect grace lets the calls test see a call cut off quickly.
# HELPLINE_PUSH_ALLOW_INSECURE lets the push test subscribe with an http://
# endpoint on loopback: its own small push service (push.test.mjs).
# HELPLINE_VAPID_SUBJECT is the contact the VAPID tokens name (the server
# warns when it is unset).
env -u HELPLINE_CONFIG -u HELPLINE_JWT_SECRET -u HELPLINE_REQUEST_TIMEOUT_SECS -u HELPLINE_STUN_URLS \
  -u HELPLINE_TURN_TTL_SECS -u HELPLINE_CALL_RING_TIMEOUT_SECS \
  HELPLINE_ADDR="127.0.0.1:$port" HELPLINE_DATABASE_URL="$HELPLINE_DATABASE_URL" \
  HELPLINE_TURN_URLS="$turn_urls" HELPLINE_TURN_SECRET="$turn_secret" HELPLINE_CALL_DISCONNECT_GRACE_SECS=2 \
  HELPLINE_PUSH_ALLOW_INSECURE=true HELPLINE_VAPID_SUBJECT=mailto:tests@helpline.test \
  HELPLINE_SQLITE_SYNCHRONOUS=normal RUST_LOG="${RUST_LOG:-warn}" \
  "$HELPLINE_BIN" serve >"$data/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 200); do
  if curl -sf "$HELPLINE_URL/healthz" >/dev/null 2>&1 || node -e "fetch('$HELPLINE_URL/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"; then
    break
  fi
  kill -0 "$server_pid" 2>/dev/null || { cat "$data/server.log" >&2; echo "browser-test: the server did not start" >&2; exit 1; }
  sleep 0.1
done
kill -0 "$turn_pid" 2>/dev/null || { cat "$data/turnserver.log" >&2; echo "browser-test: turnserver did not start" >&2; exit 1; }

echo "== browser tests against $HELPLINE_URL" >&2
rm -rf "$browser_dir/artifacts"
cd "$browser_dir"
status=0
# One file at a time: each launches its own chromium, and the screens test
# expects no other test's volunteers to be online, so it runs early; then
# every other *.test.mjs, so that no new file is left out of CI.
# HELPLINE_BROWSER_TESTS="calls.test.mjs" runs only those files (while iterating).
if [[ -n "${HELPLINE_BROWSER_TESTS:-}" ]]; then
  read -r -a files <<<"$HELPLINE_BROWSER_TESTS"
else
  files=(client.test.mjs screens.test.mjs)
  for file in *.test.mjs; do
    [[ " ${files[*]} " == *" $file "* ]] || files+=("$file")
  done
fi
node --test --test-concurrency=1 "$@" "${files[@]}" || status=$?
if (( status != 0 )); then
  echo "== server log (last 40 lines)" >&2
  tail -n 40 "$data/server.log" >&2 || true
  echo "== turnserver log (last 20 lines)" >&2
  tail -n 20 "$data/turnserver.log" >&2 || true
  exit "$status"
fi
if (( update_screenshots )); then
  mkdir -p "$root/docs/screenshots"
  rm -f "$root/docs/screenshots/"*.png
  find "$browser_dir/artifacts" -maxdepth 1 -name '*.png' -exec cp {} "$root/docs/screenshots/" \;
  echo "== docs/screenshots/ updated" >&2
fi
