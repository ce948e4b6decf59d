#!/usr/bin/env bash
# A three-node Helpline cluster on this machine, behind HAProxy:
#
#   scripts/cluster.sh [redis|nats]      (default: redis)
#
# Builds the release binary, creates the PostgreSQL database
# `helpline_cluster` on 127.0.0.1:5432 if it is missing (HELPLINE_CLUSTER_DB
# names another URL), starts three nodes on 127.0.0.1:8081-8083 joined
# through the machine's Redis (6379) or NATS (4222), and HAProxy on
# 127.0.0.1:8080 with sticky sessions (a cookie), which Socket.IO's
# long-polling needs. HAProxy comes from Debian's packages and is installed
# when missing. Ctrl-C stops everything. Logs: target/cluster/node-N.log.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$root"

broker="${1:-redis}"
case "$broker" in
  redis) broker_url="${HELPLINE_CLUSTER_BROKER:-redis://127.0.0.1:6379}" ;;
  nats) broker_url="${HELPLINE_CLUSTER_BROKER:-nats://127.0.0.1:4222}" ;;
  *) echo "usage: scripts/cluster.sh [redis|nats]" >&2; exit 1 ;;
esac
database_url="${HELPLINE_CLUSTER_DB:-postgres://postgres@127.0.0.1:5432/helpline_cluster}"
listen="${HELPLINE_CLUSTER_ADDR:-127.0.0.1:8080}"
work="$root/target/cluster"
mkdir -p "$work/attachments"

if ! command -v haproxy >/dev/null; then
  echo "cluster: installing haproxy from Debian's packages"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get install -y -qq haproxy >/dev/null
fi

cargo build --release --locked -p helpline-server
binary="$root/target/release/helpline"

# The database, once.
admin_url="${database_url%/*}/postgres"
name="${database_url##*/}"
if ! psql "$admin_url" -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
  psql "$admin_url" -qc "CREATE DATABASE $name"
fi

pids=()
stopping=0
stop() {
  trap - INT TERM EXIT
  stopping=1
  echo
  echo "cluster: stopping"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

servers=""
for n in 1 2 3; do
  port=$((8080 + n))
  HELPLINE_ADDR="127.0.0.1:$port" \
  HELPLINE_DATABASE_URL="$database_url" \
  HELPLINE_BROKER_URL="$broker_url" \
  HELPLINE_CLUSTER_NAME="helpline-local" \
  HELPLINE_ATTACHMENTS_DIR="$work/attachments" \
    "$binary" serve > "$work/node-$n.log" 2>&1 &
  pids+=("$!")
  servers+="    server node$n 127.0.0.1:$port check cookie node$n"$'\n'
done

cat > "$work/haproxy.cfg" <<CFG
global
    log stdout format raw local0 warning
defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    # A WebSocket stays open far longer than a request.
    timeout tunnel 1h
listen helpline
    bind $listen
    balance roundrobin
    # Sticky sessions: a Socket.IO session's long-polling requests must
    # reach the node that holds it.
    cookie HELPLINE_NODE insert indirect nocache
    option httpchk GET /healthz
$servers
CFG

for n in 1 2 3; do
  for _ in $(seq 1 200); do
    curl -fsS "http://127.0.0.1:$((8080 + n))/healthz" >/dev/null 2>&1 && break
    sleep 0.05
  done
done
haproxy -f "$work/haproxy.cfg" > "$work/haproxy.log" 2>&1 &
pids+=("$!")

echo "cluster: three nodes on $broker ($broker_url), PostgreSQL $database_url"
echo "cluster: open http://$listen/  (nodes: 127.0.0.1:8081-8083; Ctrl-C stops)"
wait -n "${pids[@]}" || true
(( stopping )) || echo "cluster: a process exited; see $work/*.log"
