package org.deepbase.cli;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deepbase.engine.Progress;

/**
 * The {@code deepbase} command line: {@code demo} builds and inspects the PacMan workspace,
 * {@code sql} runs one statement against a workspace.
 */
public final class Main {
  private Main() {
  }

  /** Runs a command; exits non-zero with the error's message on failure. */
  public static void main(String[] args) {
    System.setProperty("java.awt.headless", "true");
    Progress.install(new ConsoleProgress(System.err));
    if (args.length == 0 || List.of("-h", "--help", "help").contains(args[0])) {
      usage();
      return;
    }
    Map<String, String> options = options(Arrays.copyOfRange(args, 1, args.length));
    Path workspace = Path.of(options.getOrDefault("--workspace", "workspace"));
    try {
      switch (args[0]) {
        case "demo" -> new DemoCommand(workspace, options.containsKey("--quick")).run();
        case "sql" -> sql(workspace, options);
        case "bench" -> bench(workspace, options);
        default -> {
          System.err.println("unknown command '" + args[0] + "'");
          usage();
          System.exit(2);
        }
      }
    } catch (Exception e) {
      System.err.println("error: " + rootMessage(e));
      System.exit(1);
    }
  }

  private static void sql(Path workspace, Map<String, String> options) throws SQLException {
    String sql = options.get("-e");
    if (sql == null) {
      throw new IllegalArgumentException("sql needs -e \"<statement>\"");
    }
    try (Connection c = DriverManager.getConnection("jdbc:deepbase:" + workspace);
         Statement s = c.createStatement();
         ResultSet rs = s.executeQuery(sql)) {
      TablePrinter.print(rs, System.out, options.getOrDefault("--format", "table"), Integer.MAX_VALUE);
    }
  }

  private static void bench(Path workspace, Map<String, String> options) throws Exception {
    switch (options.getOrDefault("--what", "measures")) {
      case "measures" -> org.deepbase.engine.bench.MeasureBench.run(System.out);
      case "inspect" -> new InspectBench(workspace, options.getOrDefault("--dataset", "pacman_train"),
          Integer.parseInt(options.getOrDefault("--unfused-records", "300")), System.out).run();
      default -> throw new IllegalArgumentException("bench --what measures|inspect");
    }
  }

  static String rootMessage(Throwable e) {
    String message = e.getMessage();
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof org.deepbase.engine.DeepBaseException) {
        return t.getMessage();
      }
      if (t.getMessage() != null) {
        message = t.getMessage();
      }
    }
    return message;
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--quick")) {
        options.put(args[i], "true");
      } else if (args[i].startsWith("-") && i + 1 < args.length) {
        options.put(args[i], args[++i]);
      } else {
        throw new IllegalArgumentException("unexpected argument '" + args[i] + "'");
      }
    }
    return options;
  }

  private static void usage() {
    System.out.println("""
        usage: deepbase <command> [options]
          demo [--workspace DIR] [--quick]   build the PacMan workspace if absent (datasets, trained
                                             agent), ask "does PacMan see ghosts?", draw the best unit
          sql  [--workspace DIR] -e "SQL" [--format table|csv]
                                             run one statement on jdbc:deepbase:DIR
          bench [--what measures]            measure throughput (values/s per measure, ratios)
          bench --what inspect [--workspace DIR] [--dataset pacman_train] [--unfused-records 300]
                                             the PacMan workload: forward-only vs unfused vs DeepBase
        DIR defaults to ./workspace.""");
  }
}
