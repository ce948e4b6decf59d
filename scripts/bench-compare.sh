#!/usr/bin/env bash
# Same-run before/after comparison of helpline binaries: runs the benchmark
# harness once per binary per round, interleaved (A, B, …, A, B, …) so that
# slow drifts of the machine spread over all of them, and prints one table
# of the headline figures per scenario, each the median over the rounds.
# This is how a change to a hot path (fan-out, offers, appends) shows its
# effect; the figures go into docs/benchmarks.md or a decision record.
#
#   scripts/bench-compare.sh NAME=BINARY NAME=BINARY … [-- harness options]
#
# e.g. scripts/bench-compare.sh before=/tmp/helpline-old after=target/release/helpline \
#        -- --scenarios S3,S4,S6 --chat-conversations 500
#
# BENCH_ROUNDS (default 2) sets the rounds. The harness options default to
# sizes that take a few minutes a binary: the chat scenario (S3) over 500
# conversations at saturation and at N's rate (taken as 2 000 msgs/s
# unless --chat-base-rate says otherwise), dispatch (S4) to 100 and 1 000
# volunteers, claim races (S5) among 10 and 100 volunteers, storage (S6) on
# SQLite and PostgreSQL; the floor F runs beside each binary for the ratio.
# Reports stay under target/bench-compare/<name>-<round>/; the runs share
# one work directory, so accounts are registered once.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$root"

names=()
binaries=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  case "$1" in
    *=*) names+=("${1%%=*}"); binaries+=("${1#*=}") ;;
    *) echo "bench-compare: expected NAME=BINARY, got $1" >&2; exit 1 ;;
  esac
  shift
done
[ "${1:-}" = "--" ] && shift
if [ ${#names[@]} -lt 1 ]; then
  echo "usage: scripts/bench-compare.sh NAME=BINARY [NAME=BINARY …] [-- harness options]" >&2
  exit 1
fi
for binary in "${binaries[@]}"; do
  [ -x "$binary" ] || { echo "bench-compare: not an executable: $binary" >&2; exit 1; }
done
options=("$@")
if [ ${#options[@]} -eq 0 ]; then
  options=(--scenarios S3,S4,S5,S6 --chat-conversations 500 --chat-secs 5 --rate-secs 3
    --sweep-max 1 --chat-base-rate 2000 --dispatch-volunteers 100,1000 --dispatch-requests 200
    --race-volunteers 10,100 --races 500 --storage-conversations 500 --storage-secs 5)
fi

cargo build --release --locked -p helpline-bench
out="$root/target/bench-compare"
rm -rf "$out"
mkdir -p "$out"
rounds="${BENCH_ROUNDS:-2}"
for round in $(seq 1 "$rounds"); do
  for i in "${!names[@]}"; do
    dir="$out/${names[$i]}-$round"
    echo "== round $round: ${names[$i]} (${binaries[$i]})"
    target/release/helpline-bench --servers R,F --reps 1 --helpline "${binaries[$i]}" \
      --work-dir "$out/work" --out "$dir" --code "${names[$i]}" "${options[@]}" \
      > "$dir.log" 2>&1 || { echo "bench-compare: the run failed, see $dir.log" >&2; exit 1; }
  done
done

python3 - "$out" "$rounds" "${names[@]}" <<'PY'
import json, statistics, sys
out, rounds, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
# The headline figures of each scenario.
headline = {
    "S3": ["delivered_per_cpu_s", "closed_ack_p99_ms", "fixed_ack_p99_ms"],
    "S4": ["last_incoming_p50_ms", "last_incoming_p99_ms"],
    "S5": ["decision_p99_ms", "race_p99_ms", "double_wins"],
    "S6": ["persisted_per_sec", "closed_ack_p99_ms"],
}
table = {}
for name in names:
    for r in range(1, rounds + 1):
        with open(f"{out}/{name}-{r}/benchmarks.json") as f:
            report = json.load(f)
        for result in report["results"]:
            if result["case"].startswith("store alone"):
                continue  # runs in the harness, not in the binary compared
            for metric in headline.get(result["scenario"], []):
                value = result["median"].get(metric)
                if value is None:
                    continue
                key = (result["scenario"], result["case"], result["server"], metric)
                table.setdefault(key, {}).setdefault(name, []).append(value)
print("| scenario | case | server | figure | " + " | ".join(names) + " |")
print("|---|---|---|---|" + "---|" * len(names))
for key in sorted(table):
    cells = [f"{statistics.median(table[key][n]):.4g}" if n in table[key] else "–" for n in names]
    print(f"| {key[0]} | {key[1]} | {key[2]} | {key[3]} | " + " | ".join(cells) + " |")
PY
