package org.deepbase.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.deepbase.engine.nn.CpuInfo;

/**
 * Runs a workload bench's arms side by side, each in a process of its own ({@link BenchArm}, or a
 * Python baseline), and prints their times, peak RSS and ratios to the first arm (the floor).
 */
final class Arms {
  private final Path workspace;
  private final PrintStream out;

  Arms(Path workspace, PrintStream out) {
    this.workspace = workspace;
    this.out = out;
  }

  /**
   * One arm's outcome: wall and CPU seconds (every thread of its process); {@code forwardPasses} is
   * -1 where not counted.
   */
  record Arm(
      String name,
      double seconds,
      double cpuSeconds,
      double peakRssMb,
      long forwardPasses,
      String note) {
    Arm withNote(String more) {
      return new Arm(name, seconds, cpuSeconds, peakRssMb, forwardPasses, more);
    }

    /** Reads a Python baseline's summary line ({@code total S s, cpu C s, peak RSS M MB}). */
    static Arm ofBaseline(String name, String output, String note) {
      return new Arm(
          name,
          number(output, "total (\\S+) s"),
          number(output, "cpu (\\S+) s"),
          number(output, "peak RSS (\\S+) MB"),
          -1,
          note);
    }
  }

  /** Runs a {@link BenchArm} in a JVM like this one; returns its time and peak RSS. */
  Arm java(String name, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(BenchArm.class.getName());
    command.add(args[0]);
    command.add(workspace.toString());
    command.addAll(List.of(args).subList(1, args.length));
    out.println("running " + name + " ...");
    String output = run(command, false);
    return new Arm(
        name,
        number(output, "(?m)^seconds (\\S+)"),
        number(output, "(?m)^cpu_seconds (\\S+)"),
        number(output, "(?m)^peak_rss_mb (\\S+)"),
        output.contains("forward_passes") ? (long) number(output, "forward_passes (\\S+)") : -1,
        "");
  }

  /**
   * Runs a Python baseline from tools/ if Debian's python3-torch is installed; returns its output,
   * or null (and says why) when it cannot run.
   */
  String python(String script, String... args) throws IOException, InterruptedException {
    Path file = Path.of(System.getProperty("deepbase.home", "."), "tools", script);
    if (!Files.isDirectory(Path.of("/usr/lib/python3/dist-packages/torch"))
        || !Files.isRegularFile(file)) {
      out.println(script + ": skipped, Debian's python3-torch is not installed");
      return null;
    }
    out.println("running " + script + " ...");
    List<String> command = new ArrayList<>(List.of("/usr/bin/python3", file.toString()));
    command.addAll(List.of(args));
    // The baselines run as they ship: without the allocator settings DeepBase's launcher makes.
    return run(command, true);
  }

  private static String run(List<String> command, boolean withoutLauncherSettings)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    if (withoutLauncherSettings) {
      builder
          .environment()
          .keySet()
          .removeIf(name -> name.startsWith("MALLOC_") || name.equals("GLIBC_TUNABLES"));
    }
    Process p = builder.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException("bench arm failed: " + command.get(0) + "\n" + output.trim());
    }
    return output;
  }

  /** Returns the last match of a regex' first group in an arm's output, as a number. */
  static double number(String output, String regex) {
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

  /** Prints the arms' table, ratios to the first arm. */
  void table(List<Arm> arms, int records) {
    double floor = arms.get(0).seconds();
    out.printf(
        Locale.ROOT,
        "%-28s %9s %9s %10s %12s %8s   %s%n",
        "arm",
        "seconds",
        "cpu s",
        "records/s",
        "peak RSS MB",
        "forwards",
        "ratio");
    for (Arm arm : arms) {
      out.printf(
          Locale.ROOT,
          "%-28s %9.2f %9.2f %10.1f %12.0f %8s   %.2fx %s%s%n",
          arm.name(),
          arm.seconds(),
          arm.cpuSeconds(),
          records / arm.seconds(),
          arm.peakRssMb(),
          arm.forwardPasses() < 0 ? "-" : String.valueOf(arm.forwardPasses()),
          arm.seconds() / floor,
          arms.get(0).name(),
          arm.note().isEmpty() ? "" : "; " + arm.note());
    }
  }

  /**
   * Prints every round of arms run side by side with a floor, each arm's ratio to the floor in each
   * round, and the median of those ratios beside the best rounds' ratio (what {@link #table}
   * shows).
   */
  void rounds(List<Arm> floor, List<List<Arm>> arms) {
    for (int r = 0; r < floor.size(); r++) {
      StringBuilder line =
          new StringBuilder(
              String.format(
                  Locale.ROOT,
                  "  round %d: %s %.2f s (%.0f MB)",
                  r + 1,
                  floor.get(r).name(),
                  floor.get(r).seconds(),
                  floor.get(r).peakRssMb()));
      for (List<Arm> arm : arms) {
        line.append(
            String.format(
                Locale.ROOT,
                "; %s %.2f s (%.0f MB): %.2fx",
                arm.get(r).name(),
                arm.get(r).seconds(),
                arm.get(r).peakRssMb(),
                arm.get(r).seconds() / floor.get(r).seconds()));
      }
      out.println(line);
    }
    for (List<Arm> arm : arms) {
      double[] ratios = new double[floor.size()];
      for (int r = 0; r < ratios.length; r++) {
        ratios[r] = arm.get(r).seconds() / floor.get(r).seconds();
      }
      out.printf(
          Locale.ROOT,
          "%s: %.2fx %s in the best rounds, rounds' median %.2fx (min %.2fx, max %.2fx)%n",
          arm.get(0).name(),
          best(arm).seconds() / best(floor).seconds(),
          floor.get(0).name(),
          median(ratios),
          java.util.Arrays.stream(ratios).min().orElseThrow(),
          java.util.Arrays.stream(ratios).max().orElseThrow());
    }
  }

  /** Returns the median (the mean of the middle two for an even count). */
  static double median(double[] values) {
    double[] sorted = values.clone();
    java.util.Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  /** Returns the round that took the least time: interference on a shared machine only adds. */
  static Arm best(List<Arm> rounds) {
    return rounds.stream().min(java.util.Comparator.comparingDouble(Arm::seconds)).orElseThrow();
  }

  /** Returns the round that took the most time. */
  static Arm worst(List<Arm> rounds) {
    return rounds.stream().max(java.util.Comparator.comparingDouble(Arm::seconds)).orElseThrow();
  }

  /** Says how much faster (or slower) an arm is than a baseline. */
  static String speedup(double baseline, double arm) {
    return baseline >= arm
        ? String.format(Locale.ROOT, "%.2fx faster", baseline / arm)
        : String.format(Locale.ROOT, "%.2fx slower", arm / baseline);
  }

  /** Fails, naming the script that makes the workload, when the workspace lacks the model. */
  static void requireModel(
      org.deepbase.engine.workspace.Workspace workspace, String model, String script) {
    if (!workspace.models().containsKey(model)) {
      throw new IllegalStateException(
          "no model '"
              + model
              + "' in "
              + workspace.root()
              + ": make the workload with /usr/bin/python3 tools/"
              + script
              + " --workspace "
              + workspace.root()
              + " --n 2000");
    }
  }

  /** Deletes a scratch directory and everything under it. */
  static void deleteTree(Path dir) throws IOException {
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }

  /**
   * The CPU the ratios were measured on ({@link CpuInfo}: PyTorch's kernels, and so forward-only,
   * the denominator of every ratio, depend on its vector width) and how many cores the JVM sees.
   */
  static String machine() {
    return CpuInfo.read().map(CpuInfo::toString).orElse(System.getProperty("os.arch"))
        + ", "
        + Runtime.getRuntime().availableProcessors()
        + " cores";
  }

  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }
}
