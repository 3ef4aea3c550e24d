#!/usr/bin/env bash
# Wall-clock profile of one DeepBase SQL statement: where each thread's time goes before and after
# the last forward pass (tools/wall_breakdown.py). A development aid, not part of the product:
# async-profiler comes from Maven Central (tools.profiler:async-profiler, linux-x64) into ~/.m2.
#
#   tools/profile_wall.sh <workspace> "<sql>" [recording.jfr]
#
# JFR's own sampler sees only threads running Java code; a wall-clock profile also shows who
# waits, which is what decides the wall time on two cores.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORKSPACE="$1"
SQL="$2"
RECORDING="${3:-$(mktemp --suffix .jfr)}"
VERSION=3.0
JAR="$HOME/.m2/repository/tools/profiler/async-profiler/$VERSION/async-profiler-$VERSION-linux-x64.jar"
if [[ ! -f "$JAR" ]]; then
  mvn -B -q dependency:get -Dartifact="tools.profiler:async-profiler:$VERSION:jar:linux-x64" >&2
fi
AGENT_DIR="$(mktemp -d)"
OUT="$(mktemp --suffix .csv)"
trap 'rm -rf "$AGENT_DIR" "$OUT"' EXIT
unzip -q -o "$JAR" -d "$AGENT_DIR"
INTERVAL_MS=10
DEEPBASE_JAVA_OPTS="${DEEPBASE_JAVA_OPTS:-} -agentpath:$AGENT_DIR/linux-x64/libasyncProfiler.so=start,event=wall,interval=${INTERVAL_MS}ms,file=$RECORDING" \
  "$ROOT/deepbase" sql --workspace "$WORKSPACE" --format csv --out "$OUT" -e "$SQL" >&2
jfr print --events jdk.ExecutionSample --stack-depth 24 "$RECORDING" | python3 "$ROOT/tools/wall_breakdown.py" "$INTERVAL_MS"
echo "recording: $RECORDING" >&2
