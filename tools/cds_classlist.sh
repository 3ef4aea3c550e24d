#!/usr/bin/env bash
# Makes the class list that the launcher's class-data archive is built from
# (connectors/cli/src/main/cds/deepbase.classlist; docs/design-notes.md, "Class-data sharing"):
# the classes, lambda forms and lambda proxies that one exact INSPECT loads, from the SQL
# connection and the H2 catalog through planning to the forward passes, the scoring and the spill.
# Run it again when the start-up path changes (new libraries, a new planner phase); a stale list
# only leaves the classes it misses to be read from the jars. Needs Debian's python3-torch and
# python3-torchvision, for the workload only.
#
#   tools/cds_classlist.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
/usr/bin/python3 "$ROOT/tools/resnet_workload.py" --workspace "$WORK/vision" --n 64 >&2
HYPOTHESES=circle,square,triangle,bar,red,green,blue,yellow,plain,stripes,checker,background
SQL="SELECT layer, unit, hypothesis, \"measure\", score FROM TABLE(inspect(models => 'resnet18',
  units => 'layer1.*,layer2.*,layer3.*,layer4.*', hypotheses => '$HYPOTHESES',
  measures => 'iou(0.995, raw),corr', dataset => 'concepts', exact => true, cache => false))"
DEEPBASE_CDS=0 DEEPBASE_JAVA_OPTS="${DEEPBASE_JAVA_OPTS:-} -XX:DumpLoadedClassList=$WORK/classes" \
  "$ROOT/deepbase" sql --workspace "$WORK/vision" --format csv --out "$WORK/scores.csv" -e "$SQL" >&2
OUT="$ROOT/connectors/cli/src/main/cds/deepbase.classlist"
{
  echo "# Made by tools/cds_classlist.sh (one exact ResNet-18 INSPECT); read by the launcher."
  # Dynamic proxies are named by their order of creation: the archive cannot find them by name.
  grep -v -e '^jdk/proxy[0-9]*/' -e '^com/sun/proxy/' "$WORK/classes"
} > "$OUT"
echo "$(grep -vc '^[#@]' "$OUT") classes in $OUT" >&2
