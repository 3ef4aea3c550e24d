package org.deepbase.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.deepbase.engine.catalog.DatasetDescriptor;
import org.deepbase.engine.data.DatasetFiles;
import org.deepbase.engine.workspace.Workspace;

/**
 * {@code deepbase bench --what resnet}: the vision workload of issue 17 (a workspace made by {@code
 * tools/resnet_workload.py}: ResNet-18, layer1..layer4 = 960 units, 12 concept masks) in arms, each
 * a process of its own so that each peak RSS is its own. The arms the targets compare run side by
 * side in rounds: bare forward passes, and DeepBase in NetDissect-Lite's resolution convention
 * (iou(0.995, raw), the baseline's definition, and corr; one INSPECT) with the cache off and from a
 * warm behavior cache. Then, once each: the model's forward passes with DeepBase's extraction of
 * the four layers and no scoring (what an exact arm pays before it scores), DeepBase in its own
 * convention with the cache off and from the cache, and the NetDissect-Lite-style script ({@code
 * tools/netdissect_baseline.py}, when Debian's python3-torch is installed). Prints seconds,
 * records/s, peak RSS and ratios (of the best rounds, with every round's), and how well the
 * raw-convention arm agrees with the baseline (top-5 units per concept, score differences).
 */
final class VisionBench {
  static final String MODEL = "resnet18";
  static final String DATASET = "concepts";
  private static final int BATCH = 32;

  /** Records of the small job a warm arm does before it is timed: two batches. */
  private static final int WARM_UP_RECORDS = 2 * BATCH;

  private static final List<String> LAYERS = List.of("layer1", "layer2", "layer3", "layer4");

  private final Workspace workspace;
  private final int rounds;
  private final PrintStream out;

  /**
   * @param rounds how many times the arms the targets compare (forward-only, the raw convention
   *     with the cache off and from the cache) run, side by side
   */
  VisionBench(Path dir, int rounds, PrintStream out) {
    this.workspace = new Workspace(dir);
    this.rounds = Math.max(1, rounds);
    this.out = out;
  }

  void run() throws Exception {
    Arms.requireModel(workspace, MODEL, "resnet_workload.py");
    DatasetDescriptor data = workspace.dataset(DATASET);
    int records = data.recordCount();
    // The concepts are the dataset's annotation arrays (tools/concept_images.py names them).
    List<String> concepts =
        new ArrayList<>(
            DatasetFiles.npzArrays(
                    DatasetFiles.npz(workspace.datasetDir(DATASET), data)
                        .orElseThrow(
                            () ->
                                new IllegalStateException(
                                    "dataset '"
                                        + DATASET
                                        + "' is not an .npz; rerun"
                                        + " tools/resnet_workload.py")))
                .keySet());
    concepts.remove("inputs");
    out.printf(
        Locale.ROOT,
        "workload: %s, %s (%d records), layer1..layer4 (960 units) x %d concepts; load: %s%n"
            + "machine: %s%n",
        MODEL,
        DATASET,
        records,
        concepts.size(),
        Arms.loadAverage(),
        Arms.machine());
    Path scratch = Files.createTempDirectory("deepbase-vision-bench");
    Arms runner = new Arms(workspace.root(), out);
    try {
      // This VM's speed drifts by a fifth from one minute to the next: the arms the targets
      // compare (forward-only, the raw convention exact and from the cache) run side by side in
      // rounds, and the best round of each (interference only adds time) and the median of the
      // rounds' ratios are both reported.
      Path rawCsv = scratch.resolve("raw.csv");
      List<Arms.Arm> forward = new ArrayList<>();
      List<Arms.Arm> raw = new ArrayList<>();
      List<Arms.Arm> cachedRaw = new ArrayList<>();
      // A cold process pays start-up (Calcite, H2, the JIT) once per query; a server pays it once.
      // The warm arms time the same work after a small job of its kind, to tell the two apart.
      List<Arms.Arm> warmForward = new ArrayList<>();
      List<Arms.Arm> warmRaw = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        forward.add(runner.java("forward-only", "forward", MODEL, DATASET, String.valueOf(BATCH)));
        raw.add(
            runner.java(
                "deepbase exact, raw conv.",
                "sql",
                rawCsv.toString(),
                inspect(concepts, "iou(0.995, raw),corr", false)));
        cachedRaw.add(
            runner.java(
                "deepbase from cache, raw",
                "cached",
                scratch.resolve("cached-raw.csv").toString(),
                inspect(concepts, "iou(0.995, raw),corr", true)));
        warmForward.add(
            runner.java(
                "forward-only, warm",
                "forward-warm",
                MODEL,
                DATASET,
                String.valueOf(BATCH),
                String.valueOf(WARM_UP_RECORDS)));
        warmRaw.add(
            runner.java(
                "deepbase exact, raw conv., warm",
                "sql-warm",
                scratch.resolve("warm-raw.csv").toString(),
                inspect(concepts, "iou(0.995, raw),corr", false),
                inspect(concepts, "iou(0.995, raw),corr", false, WARM_UP_RECORDS)));
      }
      List<Arms.Arm> arms = new ArrayList<>();
      arms.add(Arms.best(forward));
      // What extraction alone adds to the floor: an exact arm's time is this plus its scoring.
      arms.add(
          runner.java(
              "extract-only (no scoring)",
              "extract",
              MODEL,
              DATASET,
              String.valueOf(BATCH),
              String.join(",", LAYERS)));
      Path exactCsv = scratch.resolve("exact.csv");
      Arms.Arm exactOwn =
          runner.java(
              "deepbase exact",
              "sql",
              exactCsv.toString(),
              inspect(concepts, "iou(0.995),corr", false));
      arms.add(exactOwn);
      Arms.Arm bestRaw = Arms.best(raw);
      arms.add(bestRaw);
      arms.add(
          runner.java(
              "deepbase from cache",
              "cached",
              scratch.resolve("cached.csv").toString(),
              inspect(concepts, "iou(0.995),corr", true)));
      arms.add(Arms.best(cachedRaw));
      Path baselineCsv = scratch.resolve("baseline.csv");
      String baseline =
          runner.python(
              "netdissect_baseline.py",
              "--workspace",
              workspace.root().toString(),
              "--out",
              baselineCsv.toString());
      if (baseline != null) {
        arms.add(
            Arms.Arm.ofBaseline(
                "netdissect-lite-style",
                baseline,
                "memmaps " + (long) Arms.number(baseline, "memmaps (\\S+) MB") + " MB on disk"));
      }
      runner.table(arms, records);
      runner.rounds(forward, List.of(raw, cachedRaw));
      out.println(
          "warm: each arm timed after the same work over the first "
              + WARM_UP_RECORDS
              + " records, untimed, in its process");
      runner.rounds(warmForward, List.of(warmRaw));
      if (baseline != null) {
        double seconds = arms.get(arms.size() - 1).seconds();
        out.println(
            "deepbase raw convention vs the baseline: "
                + Arms.speedup(seconds, bestRaw.seconds())
                + " (its slowest round: "
                + Arms.speedup(seconds, Arms.worst(raw).seconds())
                + "); deepbase exact: "
                + Arms.speedup(seconds, exactOwn.seconds()));
        out.println(agreement(rawCsv, baselineCsv));
      }
      out.println("load at the end: " + Arms.loadAverage());
    } finally {
      Arms.deleteTree(scratch);
    }
  }

  private static String inspect(List<String> concepts, String measures, boolean cache) {
    return inspect(concepts, measures, cache, 0);
  }

  /** The inspection over the first {@code maxRecords} records only (0: all). */
  private static String inspect(
      List<String> concepts, String measures, boolean cache, int maxRecords) {
    return "SELECT layer, unit, hypothesis, \"measure\", score FROM TABLE(inspect(models => '"
        + MODEL
        + "', units => '"
        + LAYERS.stream().map(l -> l + ".*").collect(java.util.stream.Collectors.joining(","))
        + "', hypotheses => '"
        + String.join(",", concepts)
        + "', measures => '"
        + measures
        + "', dataset => '"
        + DATASET
        + "', exact => true, cache => "
        + cache
        + (maxRecords > 0 ? ", max_records => " + maxRecords : "")
        + "))";
  }

  /**
   * Compares the raw-convention scores with the baseline's: per (layer, concept), whether the top-5
   * units are the same set, and the largest score difference.
   */
  static String agreement(Path deepbase, Path baseline) throws IOException {
    Map<String, Map<Integer, Double>> ours = new HashMap<>();
    for (String line : Files.readAllLines(deepbase)) {
      String[] f = line.split("\t");
      if (!f[3].startsWith("iou")) {
        continue; // the arm scores corr too; the baseline, IoU only
      }
      ours.computeIfAbsent(f[0] + "/" + f[2], k -> new HashMap<>())
          .put(Integer.parseInt(f[1]), Double.parseDouble(f[4]));
    }
    Map<String, Map<Integer, Double>> theirs = new HashMap<>();
    List<String> lines = Files.readAllLines(baseline);
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      theirs
          .computeIfAbsent(f[0] + "/" + f[2], k -> new HashMap<>())
          .put(Integer.parseInt(f[1]), Double.parseDouble(f[3]));
    }
    int same = 0;
    int within = 0;
    int pairs = 0;
    double worst = 0;
    for (Map.Entry<String, Map<Integer, Double>> e : theirs.entrySet()) {
      Map<Integer, Double> mine = ours.getOrDefault(e.getKey(), Map.of());
      same += top5(mine).equals(top5(e.getValue())) ? 1 : 0;
      for (Map.Entry<Integer, Double> unit : e.getValue().entrySet()) {
        double d = Math.abs(mine.getOrDefault(unit.getKey(), Double.NaN) - unit.getValue());
        worst = Double.isNaN(d) ? Double.NaN : Math.max(worst, d);
        within += d <= 1e-6 ? 1 : 0;
        pairs++;
      }
    }
    return String.format(
        Locale.ROOT,
        "agreement with the baseline: top-5 units identical for %d of %d (layer, concept);"
            + " %d of %d scores within 1e-6, largest difference %.2g (PIL's and PyTorch's"
            + " bilinear resizes round differently)",
        same,
        theirs.size(),
        within,
        pairs,
        worst);
  }

  private static Set<Integer> top5(Map<Integer, Double> scores) {
    Set<Integer> top = new HashSet<>();
    scores.entrySet().stream()
        .sorted(Map.Entry.<Integer, Double>comparingByValue().reversed())
        .limit(5)
        .forEach(e -> top.add(e.getKey()));
    return top;
  }
}
