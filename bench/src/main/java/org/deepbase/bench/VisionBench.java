package org.deepbase.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.deepbase.engine.workspace.Workspace;

/**
 * {@code deepbase bench --what resnet}: the vision workload of issue 17 (a workspace made by {@code
 * tools/resnet_workload.py}: ResNet-18, layer1..layer4 = 960 units, 12 concept masks) in
 * side-by-side arms, each a process of its own so that each peak RSS is its own: bare forward
 * passes, DeepBase exact (NetDissect IoU at q = 0.995 and corr, one INSPECT, cache off), DeepBase
 * in NetDissect-Lite's resolution convention (iou(0.995, raw), the baseline's definition), DeepBase
 * from a warm behavior cache, and the NetDissect-Lite-style script ({@code
 * tools/netdissect_baseline.py}, when Debian's python3-torch is installed). Prints seconds,
 * records/s, peak RSS and ratios, and how well the raw-convention arm agrees with the baseline
 * (top-5 units per concept, score differences).
 */
final class VisionBench {
  static final String MODEL = "resnet18";
  static final String DATASET = "concepts";
  static final List<String> CONCEPTS =
      List.of(
          "circle",
          "square",
          "triangle",
          "bar",
          "red",
          "green",
          "blue",
          "yellow",
          "plain",
          "stripes",
          "checker",
          "background");
  private static final int BATCH = 32;

  private final Workspace workspace;
  private final PrintStream out;

  VisionBench(Path dir, PrintStream out) {
    this.workspace = new Workspace(dir);
    this.out = out;
  }

  /** One arm's outcome. */
  private record Arm(String name, double seconds, double peakRssMb, String note) {}

  void run() throws Exception {
    if (!workspace.models().containsKey(MODEL)) {
      throw new IllegalStateException(
          "no model '"
              + MODEL
              + "' in "
              + workspace.root()
              + ": make the workload with /usr/bin/python3 tools/resnet_workload.py --workspace "
              + workspace.root()
              + " --n 2000");
    }
    int records = workspace.dataset(DATASET).recordCount();
    out.printf(
        Locale.ROOT,
        "workload: %s, %s (%d records), layer1..layer4 (960 units) x %d concepts; load: %s%n",
        MODEL,
        DATASET,
        records,
        CONCEPTS.size(),
        loadAverage());
    Path scratch = Files.createTempDirectory("deepbase-vision-bench");
    try {
      List<Arm> arms = new ArrayList<>();
      arms.add(child("forward-only", "forward", MODEL, DATASET, String.valueOf(BATCH)));
      Path exactCsv = scratch.resolve("exact.csv");
      arms.add(
          child("deepbase exact", "sql", exactCsv.toString(), inspect("iou(0.995),corr", false)));
      Path rawCsv = scratch.resolve("raw.csv");
      arms.add(
          child(
              "deepbase exact, raw conv.",
              "sql",
              rawCsv.toString(),
              inspect("iou(0.995, raw)", false)));
      arms.add(
          child(
              "deepbase from cache",
              "cached",
              scratch.resolve("cached.csv").toString(),
              inspect("iou(0.995),corr", true)));
      Path baselineCsv = scratch.resolve("baseline.csv");
      Arm baseline = baseline(baselineCsv);
      arms.add(baseline);
      double forward = arms.get(0).seconds();
      out.printf(
          Locale.ROOT,
          "%-28s %9s %10s %12s   %s%n",
          "arm",
          "seconds",
          "records/s",
          "peak RSS MB",
          "ratio");
      for (Arm arm : arms) {
        out.printf(
            Locale.ROOT,
            "%-28s %9.2f %10.1f %12.0f   %.2fx forward%s%n",
            arm.name(),
            arm.seconds(),
            records / arm.seconds(),
            arm.peakRssMb(),
            arm.seconds() / forward,
            arm.note().isEmpty() ? "" : "; " + arm.note());
      }
      if (!Double.isNaN(baseline.seconds())) {
        out.println(
            "deepbase raw convention vs the baseline: "
                + speedup(baseline.seconds(), arms.get(2).seconds())
                + "; deepbase exact: "
                + speedup(baseline.seconds(), arms.get(1).seconds()));
        out.println(agreement(rawCsv, baselineCsv));
      }
    } finally {
      try (var files = Files.walk(scratch)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  /** Says how much faster (or slower) an arm is than the baseline. */
  private static String speedup(double baseline, double arm) {
    return baseline >= arm
        ? String.format(Locale.ROOT, "%.2fx faster", baseline / arm)
        : String.format(Locale.ROOT, "%.2fx slower", arm / baseline);
  }

  private static String inspect(String measures, boolean cache) {
    return "SELECT layer, unit, hypothesis, \"measure\", score FROM TABLE(inspect(models => '"
        + MODEL
        + "', units => 'layer1.*,layer2.*,layer3.*,layer4.*', hypotheses => '"
        + String.join(",", CONCEPTS)
        + "', measures => '"
        + measures
        + "', dataset => '"
        + DATASET
        + "', exact => true, cache => "
        + cache
        + "))";
  }

  /** Runs an arm in a JVM like this one; returns its time and peak RSS. */
  private Arm child(String name, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(VisionArm.class.getName());
    command.add(args[0]);
    command.add(workspace.root().toString());
    for (int i = 1; i < args.length; i++) {
      command.add(args[i]);
    }
    out.println("running " + name + " ...");
    String output = run(command);
    return new Arm(
        name, number(output, "seconds (\\S+)"), number(output, "peak_rss_mb (\\S+)"), "");
  }

  /** Runs tools/netdissect_baseline.py on the same workspace, if python3-torch is installed. */
  private Arm baseline(Path csv) throws IOException, InterruptedException {
    Path script =
        Path.of(System.getProperty("deepbase.home", "."), "tools", "netdissect_baseline.py");
    if (!Files.isDirectory(Path.of("/usr/lib/python3/dist-packages/torch"))
        || !Files.isRegularFile(script)) {
      return new Arm(
          "netdissect-lite-style",
          Double.NaN,
          Double.NaN,
          "skipped: apt-get install python3-torch");
    }
    out.println("running netdissect-lite-style baseline ...");
    String output =
        run(
            List.of(
                "/usr/bin/python3",
                script.toString(),
                "--workspace",
                workspace.root().toString(),
                "--out",
                csv.toString()));
    return new Arm(
        "netdissect-lite-style",
        number(output, "total (\\S+) s"),
        number(output, "peak RSS (\\S+) MB"),
        "memmaps " + (long) number(output, "memmaps (\\S+) MB") + " MB on disk");
  }

  private static String run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException(
          "bench arm failed: " + String.join(" ", command.subList(0, 1)) + "\n" + output.trim());
    }
    return output;
  }

  private static double number(String output, String regex) {
    Matcher m = Pattern.compile(regex).matcher(output);
    String last = null;
    while (m.find()) {
      last = m.group(1);
    }
    if (last == null) {
      throw new IllegalStateException("no '" + regex + "' in the arm's output:\n" + output.trim());
    }
    return Double.parseDouble(last);
  }

  /**
   * Compares the raw-convention scores with the baseline's: per (layer, concept), whether the top-5
   * units are the same set, and the largest score difference.
   */
  static String agreement(Path deepbase, Path baseline) throws IOException {
    Map<String, Map<Integer, Double>> ours = new HashMap<>();
    for (String line : Files.readAllLines(deepbase)) {
      String[] f = line.split("\t");
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

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }
}
