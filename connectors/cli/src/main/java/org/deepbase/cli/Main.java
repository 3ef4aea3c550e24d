package org.deepbase.cli;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deepbase.engine.Progress;

/**
 * The {@code deepbase} command line: {@code demo} builds and inspects the PacMan workspace, {@code
 * sql} runs one statement against a workspace.
 */
public final class Main {
  private Main() {}

  /** Runs a command; exits non-zero with the error's message on failure. */
  public static void main(String[] args) {
    System.setProperty("java.awt.headless", "true");
    Progress progress = new ConsoleProgress(System.err);
    if (args.length == 0 || List.of("-h", "--help", "help").contains(args[0])) {
      usage();
      return;
    }
    Map<String, String> options = options(Arrays.copyOfRange(args, 1, args.length));
    Path workspace = Path.of(options.getOrDefault("--workspace", "workspace"));
    try {
      switch (args[0]) {
        case "demo" -> new DemoCommand(workspace, options.containsKey("--quick"), progress).run();
        case "sql" -> sql(workspace, options, progress);
        case "bench" -> org.deepbase.bench.Bench.run(workspace, options, System.out);
        case "serve" -> serve(workspace, options);
        case "shell" -> shell(workspace, options);
        case "plot" -> plot(workspace, options, progress);
        case "report" -> report(workspace, options, progress);
        case "user" -> user(workspace, options);
        default -> {
          System.err.println("unknown command '" + args[0] + "'");
          usage();
          System.exit(2);
        }
      }
    } catch (Exception e) {
      System.err.println("error: " + rootMessage(e));
      if (System.getenv("DEEPBASE_DEBUG") != null) {
        e.printStackTrace();
      }
      System.exit(1);
    }
  }

  private static void sql(Path workspace, Map<String, String> options, Progress progress)
      throws SQLException {
    String sql = options.get("-e");
    if (sql == null) {
      throw new IllegalArgumentException("sql needs -e \"<statement>\"");
    }
    try (Connection c = Connections.open(workspace, progress);
        Statement s = c.createStatement()) {
      if (s.execute(sql)) {
        try (ResultSet rs = s.getResultSet()) {
          TablePrinter.print(
              rs, System.out, options.getOrDefault("--format", "table"), Integer.MAX_VALUE);
        }
      } else {
        System.out.println("ok (" + Math.max(0, s.getUpdateCount()) + " rows)");
      }
    }
  }

  /** Writes a chart of a query's scores (PNG or SVG by the file extension). */
  private static void plot(Path workspace, Map<String, String> options, Progress progress)
      throws Exception {
    String sql = options.get("-e");
    Path out = Path.of(options.getOrDefault("--out", "plot.svg"));
    if (sql == null) {
      throw new IllegalArgumentException(
          "plot needs -e \"<query with a score column>\" [--out file.svg|file.png]");
    }
    try (Connection c = Connections.open(workspace, progress);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      var chart =
          org.deepbase.report.HtmlReport.chart(
              options.getOrDefault("--title", "scores"), org.deepbase.report.Results.read(rs));
      if (out.toString().endsWith(".png")) {
        java.nio.file.Files.write(out, org.deepbase.report.Charts.png(chart));
      } else {
        java.nio.file.Files.writeString(out, org.deepbase.report.Charts.svg(chart));
      }
    }
    System.out.println("wrote " + out.toAbsolutePath());
  }

  /** Writes an HTML report of a view, a query file or a query. */
  private static void report(Path workspace, Map<String, String> options, Progress progress)
      throws Exception {
    String sql =
        options.containsKey("--view")
            ? "SELECT * FROM \"" + options.get("--view") + "\""
            : options.containsKey("--file")
                ? java.nio.file.Files.readString(Path.of(options.get("--file")))
                : options.get("-e");
    if (sql == null) {
      throw new IllegalArgumentException(
          "report needs --view NAME, --file QUERY.sql or -e \"SQL\"");
    }
    Path out = Path.of(options.getOrDefault("--out", "report.html"));
    try (Connection c = Connections.open(workspace, progress)) {
      new org.deepbase.report.HtmlReport(
              c,
              options.getOrDefault("--dataset", "pacman_test"),
              Integer.parseInt(options.getOrDefault("--top", "3")))
          .write(
              out,
              List.of(
                  new org.deepbase.report.HtmlReport.Analysis(
                      options.getOrDefault("--title", options.getOrDefault("--view", "inspection")),
                      sql)));
    }
    System.out.println("wrote " + out.toAbsolutePath());
  }

  /** Starts sqlline on the embedded workspace, or on a server given by --url. */
  private static void shell(Path workspace, Map<String, String> options)
      throws java.io.IOException {
    String url = options.getOrDefault("--url", "jdbc:deepbase:" + workspace.toAbsolutePath());
    String driver =
        url.startsWith("jdbc:deepbase:")
            ? "org.deepbase.jdbc.DeepBaseDriver"
            : "org.apache.calcite.avatica.remote.Driver";
    // The shell's connection reports no progress: its lines would interleave with the shell's
    // output.
    sqlline.SqlLine.main(
        new String[] {
          "-u",
          url,
          "-d",
          driver,
          "-n",
          options.getOrDefault("--user", ""),
          "-p",
          options.getOrDefault("--password", ""),
          "--maxWidth=240"
        });
  }

  private static void serve(Path workspace, Map<String, String> options) throws Exception {
    String keystore = options.get("--tls-keystore");
    // The keystore password comes from the environment: a command line is visible to every local
    // user (ps).
    String keystorePassword = System.getenv("DEEPBASE_TLS_PASSWORD");
    if (keystore != null && keystorePassword == null) {
      throw new IllegalArgumentException(
          "--tls-keystore needs the keystore password in DEEPBASE_TLS_PASSWORD");
    }
    org.deepbase.server.DeepBaseServer server =
        org.deepbase.server.DeepBaseServer.start(
            new org.deepbase.server.DeepBaseServer.Settings(
                workspace.toAbsolutePath(),
                options.getOrDefault("--bind", "127.0.0.1"),
                Integer.parseInt(options.getOrDefault("--port", "8765")),
                options.containsKey("--anonymous"),
                options.containsKey("--allow-spark"),
                keystore == null ? null : Path.of(keystore),
                keystorePassword,
                Integer.parseInt(options.getOrDefault("--query-timeout", "0")),
                Integer.parseInt(options.getOrDefault("--idle-minutes", "10"))));
    // SIGTERM and Ctrl-C run shutdown hooks: stop accepting, close client connections.
    // JVM-wide by nature: the hook is how a process reacts to SIGTERM. The stop is bounded: running
    // queries are cancelled, and after STOP_SECONDS the process exits whatever is still running.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.err.println("DeepBase server stopping");
                  Thread stop = new Thread(server::close, "deepbase-stop");
                  stop.setDaemon(true);
                  stop.start();
                  try {
                    stop.join(STOP_SECONDS * 1000L);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                }));
    System.err.println(
        "DeepBase server ready on workspace "
            + workspace.toAbsolutePath()
            + "; JDBC URL: "
            + server.url()
            + (options.containsKey("--anonymous")
                ? ""
                : ";authentication=BASIC;avatica_user=NAME;avatica_password=..."));
    server.join();
  }

  /** How long a stopping server waits for its clients' work to end before the process exits. */
  private static final int STOP_SECONDS = 4;

  private static void user(Path workspace, Map<String, String> options) throws Exception {
    String name = options.get("--name");
    if (name == null) {
      throw new IllegalArgumentException(
          "user needs --name NAME (the password is read from stdin or --password)");
    }
    String password = options.get("--password");
    if (password == null) {
      java.io.Console console = System.console();
      password =
          console != null
              ? new String(console.readPassword("password for %s: ", name))
              : new java.io.BufferedReader(
                      new java.io.InputStreamReader(
                          System.in, java.nio.charset.StandardCharsets.UTF_8))
                  .readLine();
    }
    org.deepbase.server.Users.put(
        new org.deepbase.engine.workspace.Workspace(workspace),
        name,
        password,
        org.deepbase.engine.security.Role.of(options.getOrDefault("--role", "reader")));
    System.out.println(
        "user "
            + name
            + " saved in "
            + org.deepbase.server.Users.file(
                new org.deepbase.engine.workspace.Workspace(workspace)));
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
      if (List.of("--quick", "--anonymous", "--allow-spark").contains(args[i])) {
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
    System.out.println(
        """
        usage: deepbase <command> [options]
          demo [--workspace DIR] [--quick]   build the PacMan workspace if absent (datasets, trained
                                             agent), ask "does PacMan see ghosts?", draw the best unit
          sql  [--workspace DIR] -e "SQL" [--format table|csv|json]
                                             run one statement on jdbc:deepbase:DIR
          shell [--workspace DIR | --url JDBC_URL]  interactive SQL (sqlline: history, !tables, !columns T)
          plot  [--workspace DIR] -e "SQL" [--out chart.svg|chart.png] [--title T]
                                             chart of a query's scores (bars per unit, lines per checkpoint,
                                             unit x hypothesis table), chosen by the result's columns
          report [--workspace DIR] (--view V | --file Q.sql | -e "SQL") [--out report.html] [--top 3]
                                             self-contained HTML: query, chart, sortable table, best units
          serve [--workspace DIR] [--port 8765] [--bind 127.0.0.1] [--anonymous] [--allow-spark]
                [--tls-keystore KEYSTORE.p12] [--query-timeout SECONDS] [--idle-minutes 10]
                                             Avatica JDBC server (protobuf, HTTP Basic auth; HTTPS with
                                             a keystore whose password is in DEEPBASE_TLS_PASSWORD)
          user  [--workspace DIR] --name NAME [--role reader|writer|admin] [--password P]
                                             add or change a server user (bcrypt hash; default role reader)
          bench [--what measures]            measure throughput (values/s per measure, ratios)
          bench --what inspect [--workspace DIR] [--dataset pacman_train] [--unfused-records 300] [--rounds 5]
                                             the PacMan workload: forward-only vs unfused vs DeepBase
        DIR defaults to ./workspace.""");
  }
}
