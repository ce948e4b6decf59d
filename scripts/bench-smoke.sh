#!/usr/bin/env bash
# Runs the benchmark harness in its smoke mode: every scenario (S1–S6)
# against all three servers (R = Helpline, N = the Node reference peer in
# ../shared/peer, F = the floor) with tiny sizes, in well under two minutes.
# It checks correctness only (zero double wins, every message acked and
# delivered with gapless seqs, every volunteer offered every request, no
# dropped connection) and never timing; it exits non-zero on any failure.
#
# Builds what it needs: the binaries of helpline-bench and helpline-server
# (release; BENCH_SMOKE_PROFILE=debug reuses the debug build that
# `cargo test` made, which is all a correctness check needs), and a copy of the peer (shared/ is read-only) with its
# npm packages. Needs PostgreSQL on 127.0.0.1:5432 for S6 (started if it is
# installed but stopped); set BENCH_NO_POSTGRES=1 to skip that case.
# Extra arguments go to helpline-bench (e.g. --servers R,F).
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$root"

# The Node reference peer: HELPLINE_PEER_DIR, else ../shared/peer beside
# this checkout, else the workplace's /work/shared/peer (a clone placed
# elsewhere, as CI may do). Without it the smoke still drives R and F.
peer_src=""
for candidate in "${HELPLINE_PEER_DIR:-}" "$root/../shared/peer" /work/shared/peer; do
  if [ -n "$candidate" ] && [ -x "$candidate/helpline-peer" ]; then
    peer_src="$(cd "$candidate" && pwd)"
    break
  fi
done
peer_copy="$root/target/peer"

profile="${BENCH_SMOKE_PROFILE:-release}"
case "$profile" in
  release) cargo_profile=(--release) ;;
  debug) cargo_profile=() ;;
  *) echo "bench-smoke: BENCH_SMOKE_PROFILE must be release or debug" >&2; exit 1 ;;
esac
echo "== building helpline-bench and helpline-server ($profile)"
cargo build "${cargo_profile[@]}" --locked -p helpline-bench -p helpline-server

extra=()
if [ -n "$peer_src" ]; then
  echo "== preparing the Node reference peer from $peer_src in $peer_copy"
  command -v node >/dev/null || { echo "bench-smoke: node (>= 20) is required" >&2; exit 1; }
  mkdir -p "$peer_copy"
  # Copy the sources (not node_modules) whenever they changed.
  for f in "$peer_src"/*; do
    name="$(basename "$f")"
    [ "$name" = node_modules ] && continue
    if ! cmp -s "$f" "$peer_copy/$name"; then
      cp -f "$f" "$peer_copy/$name"
      chmod u+w "$peer_copy/$name"
    fi
  done
  if [ ! -d "$peer_copy/node_modules" ] || ! cmp -s "$peer_copy/package-lock.json" "$peer_copy/node_modules/.package-lock.json.bench"; then
    (cd "$peer_copy" && npm ci --no-audit --no-fund)
    cp "$peer_copy/package-lock.json" "$peer_copy/node_modules/.package-lock.json.bench"
  fi
  extra+=(--peer "$peer_copy/helpline-peer")
else
  echo "== bench-smoke: the Node reference peer was not found (set HELPLINE_PEER_DIR); running R and F only" >&2
  extra+=(--servers R,F)
fi

if [ "${BENCH_NO_POSTGRES:-}" = 1 ]; then
  extra+=(--no-postgres)
else
  if ! { command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; }; then
    echo "== PostgreSQL is not answering on 127.0.0.1:5432; trying to start it"
    if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
      for version in /etc/postgresql/*; do
        pg_ctlcluster --skip-systemctl-redirect "$(basename "$version")" main start || true
      done
    fi
    for _ in $(seq 1 50); do
      pg_isready -q -h 127.0.0.1 -p 5432 && break
      sleep 0.2
    done
    pg_isready -q -h 127.0.0.1 -p 5432 || {
      echo "bench-smoke: PostgreSQL is needed on 127.0.0.1:5432 (or set BENCH_NO_POSTGRES=1)" >&2
      exit 1
    }
  fi
fi

# Other scripts (bench-latency.sh) use this one to build and prepare only.
if [ "${BENCH_SMOKE_ONLY_PREPARE:-}" = 1 ]; then
  exit 0
fi
echo "== helpline-bench --smoke"
exec "$root/target/$profile/helpline-bench" --smoke \
  --helpline "$root/target/$profile/helpline" \
  --work-dir "$root/target/bench-smoke" \
  "${extra[@]}" "$@"
