#!/usr/bin/env bash
# Runs every test Helpline has: formatting and lints, the Rust unit and
# integration tests (SQLite and PostgreSQL; each PostgreSQL test creates and
# drops its own database), the interop test with the official
# socket.io-client from npm, and the web app's browser tests (Playwright with
# Debian's chromium), and a smoke run of the benchmark harness (every scenario
# against Helpline, the Node peer and the floor, tiny sizes, correctness
# checks only). Starts or installs what it needs: PostgreSQL, Redis and
# NATS if they are not running (Redis and NATS from Debian's packages when
# missing), npm packages through `npm ci`, chromium through apt.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$root"

export HELPLINE_TEST_POSTGRES_URL="${HELPLINE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

ensure_postgres() {
  if command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; then
    return
  fi
  echo "== PostgreSQL is not answering on 127.0.0.1:5432; trying to start it"
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    for version in /etc/postgresql/*; do
      pg_ctlcluster --skip-systemctl-redirect "$(basename "$version")" main start || true
    done
  fi
  for _ in $(seq 1 50); do
    pg_isready -q -h 127.0.0.1 -p 5432 && return
    sleep 0.2
  done
  echo "PostgreSQL is needed at $HELPLINE_TEST_POSTGRES_URL (set HELPLINE_TEST_POSTGRES_URL to use another)" >&2
  exit 1
}

# The cluster tests need Redis on 6379 and NATS on 4222, and the chaos test
# starts brokers of its own from the same programs.
ensure_brokers() {
  local missing=()
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v nats-server >/dev/null || [ -x /usr/sbin/nats-server ] || missing+=(nats-server)
  if (( ${#missing[@]} )); then
    echo "== installing Debian's ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
    echo "== Redis is not answering on 127.0.0.1:6379; starting one"
    redis-server --port 6379 --bind 127.0.0.1 --save "" --appendonly no --daemonize yes >/dev/null
  fi
  if ! (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null; then
    echo "== NATS is not answering on 127.0.0.1:4222; starting one"
    local nats=nats-server
    command -v nats-server >/dev/null || nats=/usr/sbin/nats-server
    nohup "$nats" -a 127.0.0.1 -p 4222 >/dev/null 2>&1 &
  fi
  for port in 6379 4222; do
    for _ in $(seq 1 50); do
      (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break
      sleep 0.2
    done
  done
}

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
ensure_postgres
ensure_brokers
echo "== cargo test"
cargo test --workspace --locked
echo "== interop test (socket.io-client 4.8.4)"
HELPLINE_BIN="$root/target/debug/helpline" "$root/scripts/interop-test.sh"
echo "== browser tests (web app)"
HELPLINE_BIN="$root/target/debug/helpline" "$root/scripts/browser-test.sh"
echo "== benchmark smoke (helpline-bench --smoke, correctness only)"
BENCH_SMOKE_PROFILE=debug "$root/scripts/bench-smoke.sh"
