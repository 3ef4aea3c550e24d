package org.deepbase.bench;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import org.deepbase.engine.catalog.LayerInfo;
import org.deepbase.engine.catalog.ModelDescriptor;
import org.deepbase.engine.extract.ExtractionMetrics;
import org.deepbase.engine.workspace.Workspace;
import org.deepbase.jdbc.DeepBaseDriver;

/**
 * One arm of a workload bench ({@link VisionBench}, {@link SequenceBench}), run in a process of its
 * own so that its peak RSS is its own: {@code forward <workspace> <model> <dataset>} runs the bare
 * forward passes; {@code sql <workspace> <csv> <query>} runs a query and writes its rows,
 * tab-separated; {@code cached <workspace> <csv> <query>} runs it once untimed (filling the
 * behavior cache) and then timed. The warm arms time their work in a process that has done a small
 * job of the same kind first, as a server has after its first query: {@code forward-warm
 * <workspace> <model> <dataset> <batch> <records>} runs the forward passes over the first records
 * untimed, then over all; {@code sql-warm <workspace> <csv> <query> <warm-up query>} runs the
 * warm-up query untimed, then the query. Prints {@code seconds S}, {@code cpu_seconds C} and {@code
 * peak_rss_mb M} on its last lines.
 */
public final class BenchArm {
  private BenchArm() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[1]);
    ExtractionMetrics metrics = new ExtractionMetrics();
    long start = System.nanoTime();
    long cpuStart = cpuNanos();
    switch (args[0]) {
      case "forward" -> forward(dir, args, Integer.MAX_VALUE);
      case "forward-warm" -> {
        forward(dir, args, Integer.parseInt(args[5]));
        start = System.nanoTime();
        cpuStart = cpuNanos();
        forward(dir, args, Integer.MAX_VALUE);
      }
      case "extract" -> {
        Workspace workspace = new Workspace(dir);
        ModelDescriptor model = workspace.model(args[2]);
        List<String> names = List.of(args[5].split(","));
        List<LayerInfo> layers =
            workspace.layers(model).stream().filter(l -> names.contains(l.name())).toList();
        if (layers.size() != names.size()) {
          throw new IllegalArgumentException(
              "model '" + args[2] + "' has not every layer of " + names + ": found " + layers);
        }
        ForwardOnly.extracting(
            model,
            layers,
            workspace.latestCheckpoint(args[2]),
            workspace.datasetDir(args[3]),
            workspace.dataset(args[3]),
            Integer.parseInt(args[4]));
      }
      case "sql" -> query(dir, Path.of(args[2]), args[3], metrics);
      case "cached" -> {
        query(dir, Path.of(args[2]), args[3], new ExtractionMetrics());
        start = System.nanoTime();
        cpuStart = cpuNanos();
        query(dir, Path.of(args[2]), args[3], metrics);
      }
      case "sql-warm" -> {
        query(dir, Path.of(args[2]), args[4], new ExtractionMetrics());
        start = System.nanoTime();
        cpuStart = cpuNanos();
        query(dir, Path.of(args[2]), args[3], metrics);
      }
      default ->
          throw new IllegalArgumentException(
              "arm forward|forward-warm|extract|sql|sql-warm|cached: " + args[0]);
    }
    System.out.printf(Locale.ROOT, "seconds %.3f%n", (System.nanoTime() - start) / 1e9);
    System.out.printf(Locale.ROOT, "cpu_seconds %.3f%n", (cpuNanos() - cpuStart) / 1e9);
    System.out.printf(Locale.ROOT, "peak_rss_mb %.0f%n", peakRssMb());
    if (!args[0].startsWith("forward")) {
      System.out.printf(Locale.ROOT, "forward_passes %d%n", metrics.forwardPasses());
    }
  }

  /**
   * Runs the bare forward passes of {@code forward <workspace> <model> <dataset> <batch>} over the
   * dataset's first {@code records} records.
   */
  private static void forward(Path dir, String[] args, int records) {
    Workspace workspace = new Workspace(dir);
    ModelDescriptor model = workspace.model(args[2]);
    ForwardOnly.run(
        model,
        workspace.latestCheckpoint(args[2]),
        workspace.datasetDir(args[3]),
        workspace.dataset(args[3]),
        model.layers().size() - 1,
        Integer.parseInt(args[4]),
        records);
  }

  /** Runs a query, writing its rows as CSV. */
  private static void query(Path dir, Path csv, String sql, ExtractionMetrics metrics)
      throws Exception {
    Properties properties = new Properties();
    properties.put(DeepBaseDriver.METRICS, metrics);
    try (Connection c = DriverManager.getConnection("jdbc:deepbase:" + dir, properties);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql);
        PrintWriter out = new PrintWriter(Files.newBufferedWriter(csv, StandardCharsets.UTF_8))) {
      int columns = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        StringBuilder row = new StringBuilder();
        for (int i = 1; i <= columns; i++) {
          row.append(i > 1 ? "\t" : "").append(rs.getString(i));
        }
        out.println(row);
      }
    }
  }

  /**
   * The CPU time of the whole process (every thread, native ones too), in nanoseconds: on a machine
   * whose wall times vary, what an arm costs is read more steadily from it.
   */
  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** The process' high-water resident set (Linux's VmHWM), in MiB; NaN elsewhere. */
  private static double peakRssMb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        }
      }
    } catch (java.io.IOException e) {
      return Double.NaN;
    }
    return Double.NaN;
  }
}
