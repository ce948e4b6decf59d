#!/usr/bin/env bash
# S3's fixed-rate latency, honestly: the fixed rate on its own, R and N
# interleaved RUNS times (default 5), with the disk's own fsync
# distribution measured before and after, into target/bench-latency/.
# The report's S3 table gives each run's p99, the median, the worst run,
# the runs above 25 ms and the pairs where R's p99 was at most N's.
#
#   scripts/bench-latency.sh [--disk-stress] [-- harness options]
#
# --disk-stress runs scripts/disk-stress.py beside the servers (32 MiB
# written and fsynced every half second in the same filesystem): the bad
# minutes of a shared disk, on demand. The defaults are the issue's load:
# 2 000 conversations at 768 msgs/s, 30-s runs. e.g.
#
#   scripts/bench-latency.sh -- --fixed-runs 5 --fixed-secs 60
#   scripts/bench-latency.sh -- --servers R --server-env HELPLINE_SQLITE_SYNCHRONOUS=normal
#   scripts/bench-latency.sh -- --helpline /tmp/helpline-before --code before
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$root"
stress=0
if [ "${1:-}" = "--disk-stress" ]; then
  stress=1
  shift
fi
[ "${1:-}" = "--" ] && shift

# The peer and the release binaries, as bench-smoke prepares them.
BENCH_NO_POSTGRES=1 BENCH_SMOKE_ONLY_PREPARE=1 "$root/scripts/bench-smoke.sh" >/dev/null
out="$root/target/bench-latency"
mkdir -p "$out"
stress_pid=""
if (( stress )); then
  "$root/scripts/disk-stress.py" "$out/work/stress" 32 0.5 &
  stress_pid=$!
  trap 'kill "$stress_pid" 2>/dev/null || true' EXIT
fi
# --out (and the rest) may be given again: the last one counts.
report="$out/report"
args=()
while [ $# -gt 0 ]; do
  if [ "$1" = "--out" ] && [ $# -gt 1 ]; then
    report="$2"
    shift 2
  else
    args+=("$1")
    shift
  fi
done
target/release/helpline-bench --scenarios S3 --fixed-only --servers R,N \
  --chat-conversations 2000 --chat-base-rate 1536 --fixed-runs 5 --fixed-secs 30 \
  --peer "$root/target/peer/helpline-peer" --work-dir "$out/work" --out "$report" \
  --no-postgres "${args[@]}"
