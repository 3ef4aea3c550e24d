#!/usr/bin/env bash
# Resident memory of one DeepBase SQL statement over its run, beside its progress: whether memory
# grows with the records read, and in which pass. A development aid, not part of the product.
#
#   tools/rss_timeline.sh <workspace> "<sql>" > timeline.txt
#
# Prints one line a second: seconds since start, RSS and its high-water mark (MB, from
# /proc/<pid>/status), and the last progress line ("inspect m@0 (exact pass): 4000/10000 ...").
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORKSPACE="$1"
SQL="$2"
LOG="$(mktemp)"
OUT="$(mktemp --suffix .csv)"
trap 'rm -f "$LOG" "$OUT"' EXIT
"$ROOT/deepbase" sql --workspace "$WORKSPACE" --format csv --out "$OUT" -e "$SQL" 2> "$LOG" &
LAUNCHER=$!
START=$(date +%s.%N)
while kill -0 "$LAUNCHER" 2> /dev/null; do
  # The launcher execs java: the process it started is the JVM.
  STATUS="/proc/$LAUNCHER/status"
  RSS=$(awk '/^VmRSS:/ {print int($2 / 1024)}' "$STATUS" 2> /dev/null || true)
  HWM=$(awk '/^VmHWM:/ {print int($2 / 1024)}' "$STATUS" 2> /dev/null || true)
  PROGRESS=$(tr '\r' '\n' < "$LOG" | grep -a 'inspect ' | tail -n 1 || true)
  ELAPSED=$(awk -v now="$(date +%s.%N)" -v start="$START" 'BEGIN { printf "%.1f", now - start }')
  printf '%6s %6s %6s  %s\n' "$ELAPSED" "${RSS:--}" "${HWM:--}" "$PROGRESS"
  sleep 1
done
wait "$LAUNCHER"
