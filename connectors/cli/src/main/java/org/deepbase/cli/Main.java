package org.deepbase.cli;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.Callable;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.queries.pacman.Agent;
import org.deepbase.queries.pacman.PacmanWorkspace;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The {@code deepbase} command line (picocli): {@code demo} builds and inspects the PacMan
 * workspace, {@code sql} runs one statement, {@code serve} starts the server, and so on. Unknown
 * options and values are errors with the command's usage.
 */
@Command(
    name = "deepbase",
    mixinStandardHelpOptions = true,
    description = "SQL over neural network inspection. DIR defaults to ./workspace.",
    subcommands = {
      Main.Demo.class,
      Main.Sql.class,
      Main.Shell.class,
      Main.Plot.class,
      Main.Report.class,
      Main.Serve.class,
      Main.User.class,
      Main.BenchCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main {
  private Main() {}

  /** Runs a command; exits non-zero with the error's message on failure (2 for a usage error). */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs a command line in this process (no exit); returns the exit code. */
  public static int run(String... args) {
    System.setProperty("java.awt.headless", "true");
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler(
        (e, commandLine, parsed) -> {
          commandLine.getErr().println("error: " + rootMessage(e));
          if (System.getenv("DEEPBASE_DEBUG") != null) {
            e.printStackTrace(commandLine.getErr());
          }
          return 1;
        });
    cli.setParameterExceptionHandler(
        (e, given) -> {
          CommandLine command = e.getCommandLine();
          command.getErr().println("error: " + e.getMessage());
          CommandLine.UnmatchedArgumentException.printSuggestions(e, command.getErr());
          command.usage(command.getErr());
          return 2;
        });
    if (args.length == 0) {
      cli.usage(System.out);
      return 0;
    }
    return cli.execute(args);
  }

  /** The workspace option every command shares. */
  static final class WorkspaceOption {
    @Option(
        names = "--workspace",
        paramLabel = "DIR",
        defaultValue = "workspace",
        description = "the workspace directory (default: ${DEFAULT-VALUE})")
    Path dir;
  }

  /** Where a command's SQL comes from: -e, --file, or standard input. */
  static final class SqlSource {
    @Option(names = "-e", paramLabel = "SQL", description = "the statement")
    @Nullable String sql;

    @Option(names = "--file", paramLabel = "FILE", description = "read the statement from FILE")
    @Nullable Path file;

    String read(boolean stdinAllowed) throws java.io.IOException {
      if (sql != null && file != null) {
        throw new ParameterException(new CommandLine(this), "give -e or --file, not both");
      }
      if (sql != null) {
        return sql;
      }
      if (file != null) {
        return Files.readString(file);
      }
      if (stdinAllowed && System.console() == null) {
        String text = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
        if (!text.isBlank()) {
          return text;
        }
      }
      throw new IllegalArgumentException("no SQL: give -e \"SQL\", --file FILE or pipe it in");
    }
  }

  @Command(
      name = "demo",
      description =
          "Build the PacMan workspace if absent (datasets, trained agent), ask \"does PacMan see"
              + " ghosts?\", draw the best unit.")
  static final class Demo implements Callable<Integer> {
    @Mixin WorkspaceOption workspace;

    @Option(names = "--quick", description = "a smaller, faster workspace")
    boolean quick;

    @Option(
        names = "--train",
        description =
            "how the agent learns: rl (deep Q-learning from the game's rewards, the default, about"
                + " 9 minutes) or dagger (imitation of the scripted player on the states it visits,"
                + " about 3 minutes; --quick always uses it)")
    @Nullable Training train;

    @Option(names = "--seed", description = "training seed (default: the plan's)")
    @Nullable Integer seed;

    @Option(names = "--rounds", description = "DAgger rounds (default: the plan's)")
    @Nullable Integer rounds;

    @Option(names = "--epochs-per-round", description = "epochs per DAgger round")
    @Nullable Integer epochsPerRound;

    @Option(
        names = "--epochs",
        description = "deep Q-learning's epochs (default 15; 40 for the longer run)")
    @Nullable Integer epochs;

    @Option(names = "--learning-rate", description = "Adam's learning rate")
    @Nullable Float learningRate;

    /** The agent's training methods. */
    enum Training {
      dagger,
      rl
    }

    @Override
    public Integer call() throws Exception {
      if (train == Training.rl && quick) {
        throw new ParameterException(new CommandLine(this), "--quick trains by DAgger only");
      }
      PacmanWorkspace.Plan plan =
          quick
              ? PacmanWorkspace.Plan.quick()
              : train == Training.dagger
                  ? PacmanWorkspace.Plan.imitation()
                  : PacmanWorkspace.Plan.demo();
      Agent.Settings t = plan.training();
      Agent.Dagger d = plan.dagger();
      Agent.Dqn q = plan.dqn();
      plan =
          new PacmanWorkspace.Plan(
              plan.trainRecords(),
              plan.testRecords(),
              new Agent.Settings(
                  t.epochs(),
                  t.batchSize(),
                  learningRate != null ? learningRate : t.learningRate(),
                  seed != null ? seed : t.seed()),
              d == null
                  ? null
                  : new Agent.Dagger(
                      rounds != null ? rounds : d.rounds(),
                      epochsPerRound != null ? epochsPerRound : d.epochsPerRound(),
                      d.statesPerRound(),
                      d.beta()),
              q == null
                  ? null
                  : new Agent.Dqn(
                      epochs != null ? epochs : q.epochs(),
                      q.stepsPerEpoch(),
                      q.environments(),
                      q.replayCapacity(),
                      q.warmup(),
                      q.targetSync(),
                      q.gamma(),
                      q.epsilonEnd(),
                      q.exploreFraction()));
      new DemoCommand(workspace.dir, plan, new ConsoleProgress(System.err)).run();
      return 0;
    }
  }

  @Command(
      name = "sql",
      description = "Run one statement on jdbc:deepbase:DIR (SQL from -e, --file or stdin).")
  static final class Sql implements Callable<Integer> {
    @Mixin WorkspaceOption workspace;
    @Mixin SqlSource source;

    @Option(
        names = "--format",
        defaultValue = "table",
        description = "table, csv (RFC 4180), json or arrow (IPC stream); default ${DEFAULT-VALUE}")
    ResultFormat format;

    @Option(names = "--out", paramLabel = "FILE", description = "write the result to FILE")
    @Nullable Path out;

    @Override
    public Integer call() throws Exception {
      String sql = source.read(true);
      try (Connection c = Connections.open(workspace.dir, new ConsoleProgress(System.err));
          Statement s = c.createStatement();
          OutputStream target =
              out == null ? new CloseShield(System.out) : Files.newOutputStream(out)) {
        if (s.execute(sql)) {
          try (ResultSet rs = s.getResultSet()) {
            long rows = format.write(rs, target);
            if (out != null) {
              System.err.println(rows + " row(s) written to " + out.toAbsolutePath());
            }
          }
        } else {
          System.out.println("ok (" + Math.max(0, s.getUpdateCount()) + " rows)");
        }
      }
      return 0;
    }
  }

  /** Standard output stays open after a command writes to it. */
  private static final class CloseShield extends java.io.FilterOutputStream {
    CloseShield(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws java.io.IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws java.io.IOException {
      flush();
    }
  }

  @Command(name = "shell", description = "Interactive SQL (sqlline: history, !tables, !columns T).")
  static final class Shell implements Callable<Integer> {
    @Mixin WorkspaceOption workspace;

    @Option(names = "--url", description = "a server's JDBC URL instead of the workspace")
    @Nullable String url;

    @Option(names = "--user", defaultValue = "")
    String user;

    @Option(names = "--password", defaultValue = "")
    String password;

    @Override
    public Integer call() throws Exception {
      shell(workspace.dir, url, user, password);
      return 0;
    }
  }

  @Command(
      name = "plot",
      description =
          "Chart of a query's scores (bars per unit, lines per checkpoint, unit x hypothesis"
              + " table), chosen by the result's columns.")
  static final class Plot implements Callable<Integer> {
    @Mixin WorkspaceOption workspace;
    @Mixin SqlSource source;

    @Option(names = "--out", defaultValue = "plot.svg", description = "FILE.svg or FILE.png")
    Path out;

    @Option(names = "--title", defaultValue = "scores")
    String title;

    @Override
    public Integer call() throws Exception {
      plot(workspace.dir, source.read(false), out, title);
      return 0;
    }
  }

  @Command(
      name = "report",
      description = "Self-contained HTML: query, chart, sortable table, best units.")
  static final class Report implements Callable<Integer> {
    @Mixin WorkspaceOption workspace;
    @Mixin SqlSource source;

    @Option(names = "--view", description = "report a saved view")
    @Nullable String view;

    @Option(names = "--out", defaultValue = "report.html")
    Path out;

    @Option(names = "--top", defaultValue = "3", description = "best units drawn")
    int top;

    @Option(names = "--dataset", defaultValue = "pacman_test")
    String dataset;

    @Option(names = "--title")
    @Nullable String title;

    @Override
    public Integer call() throws Exception {
      String sql =
          view != null
              ? "SELECT * FROM \"" + view.replace("\"", "\"\"") + "\""
              : source.read(false);
      report(
          workspace.dir,
          sql,
          out,
          top,
          dataset,
          title != null ? title : view != null ? view : "inspection");
      return 0;
    }
  }

  @Command(
      name = "serve",
      description =
          "Avatica JDBC server (protobuf or JSON over HTTP Basic auth; HTTPS with a keystore whose"
              + " password is in DEEPBASE_TLS_PASSWORD) and Arrow Flight SQL on its own port.")
  static final class Serve implements Callable<Integer> {
    @Mixin WorkspaceOption workspace;

    @Option(names = "--port", defaultValue = "8765", description = "Avatica port")
    int port;

    @Option(
        names = "--flight-port",
        defaultValue = "8815",
        description = "Arrow Flight SQL port; -1 for none (default ${DEFAULT-VALUE})")
    int flightPort;

    @Option(names = "--bind", defaultValue = "127.0.0.1")
    String bind;

    @Option(names = "--serialization", defaultValue = "protobuf", description = "protobuf or json")
    org.deepbase.server.DeepBaseServer.Serialization serialization;

    @Option(names = "--anonymous", description = "no users: every client is a reader")
    boolean anonymous;

    @Option(names = "--allow-spark", description = "clients may choose engine=spark")
    boolean allowSpark;

    @Option(names = "--tls-keystore", paramLabel = "KEYSTORE.p12")
    @Nullable Path keystore;

    @Option(names = "--query-timeout", paramLabel = "SECONDS", defaultValue = "0")
    int queryTimeout;

    @Option(
        names = "--idle-minutes",
        defaultValue = "10",
        description = "close client connections unused this long (fractions allowed: 0.5)")
    double idleMinutes;

    @Override
    public Integer call() throws Exception {
      serve(this);
      return 0;
    }
  }

  @Command(
      name = "user",
      description = "Add or change a server user (bcrypt hash; password from stdin or --password).")
  static final class User implements Callable<Integer> {
    @Mixin WorkspaceOption workspace;

    @Option(names = "--name", required = true)
    String name;

    @Option(names = "--role", defaultValue = "reader", description = "reader, writer or admin")
    String role;

    @Option(names = "--password")
    @Nullable String password;

    @Override
    public Integer call() throws Exception {
      user(workspace.dir, name, role, password);
      return 0;
    }
  }

  @Command(
      name = "bench",
      description =
          "Throughput with ratios against a baseline in the same run: measures (values/s per"
              + " measure), inspect (the PacMan workload: forward-only vs unfused vs DeepBase),"
              + " resnet (ResNet-18 over concept images, tools/resnet_workload.py: forward-only vs"
              + " DeepBase exact, raw convention and cached vs a NetDissect-Lite-style script),"
              + " transformer|gru (tools/sequence_workload.py: forward-only vs DeepBase corr +"
              + " probes vs a NeuroX-style probe script),"
              + " transports (rows/s of a behaviors result over Avatica JSON, protobuf, Flight SQL"
              + " and the CLI's Arrow output).")
  static final class BenchCommand implements Callable<Integer> {
    @Mixin WorkspaceOption workspace;

    @Option(names = "--what", defaultValue = "measures")
    String what;

    @Option(names = "--dataset", defaultValue = "pacman_train")
    String dataset;

    @Option(names = "--unfused-records", defaultValue = "300")
    int unfusedRecords;

    @Option(
        names = "--rounds",
        description =
            "side-by-side rounds of the arms a target compares (default: 5 for inspect, 3 for"
                + " resnet)")
    @Nullable Integer rounds;

    @Option(names = "--rows", defaultValue = "1000000", description = "rows for --what transports")
    int rows;

    @Override
    public Integer call() throws Exception {
      if (what.equals("transports")) {
        new TransportBench(workspace.dir, rows, System.out).run();
        return 0;
      }
      java.util.Map<String, String> options =
          new java.util.HashMap<>(
              java.util.Map.of(
                  "--what",
                  what,
                  "--dataset",
                  dataset,
                  "--unfused-records",
                  String.valueOf(unfusedRecords)));
      if (rounds != null) {
        options.put("--rounds", String.valueOf(rounds));
      }
      org.deepbase.bench.Bench.run(workspace.dir, options, System.out);
      return 0;
    }
  }

  /** Writes a chart of a query's scores (PNG or SVG by the file extension). */
  private static void plot(Path workspace, String sql, Path out, String title) throws Exception {
    try (Connection c = Connections.open(workspace, new ConsoleProgress(System.err));
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      var chart = org.deepbase.report.HtmlReport.chart(title, org.deepbase.report.Results.read(rs));
      if (out.toString().endsWith(".png")) {
        Files.write(out, org.deepbase.report.Charts.png(chart));
      } else {
        Files.writeString(out, org.deepbase.report.Charts.svg(chart));
      }
    }
    System.out.println("wrote " + out.toAbsolutePath());
  }

  /** Writes an HTML report of a query. */
  private static void report(
      Path workspace, String sql, Path out, int top, String dataset, String title)
      throws Exception {
    try (Connection c = Connections.open(workspace, new ConsoleProgress(System.err))) {
      new org.deepbase.report.HtmlReport(c, dataset, top)
          .write(out, List.of(new org.deepbase.report.HtmlReport.Analysis(title, sql)));
    }
    System.out.println("wrote " + out.toAbsolutePath());
  }

  /** Starts sqlline on the embedded workspace, or on a server given by a URL. */
  private static void shell(Path workspace, @Nullable String url, String user, String password)
      throws java.io.IOException {
    String target = url != null ? url : "jdbc:deepbase:" + workspace.toAbsolutePath();
    String driver =
        target.startsWith("jdbc:deepbase:")
            ? "org.deepbase.jdbc.DeepBaseDriver"
            : "org.apache.calcite.avatica.remote.Driver";
    // The shell's connection reports no progress: its lines would interleave with the shell's
    // output.
    sqlline.SqlLine.main(
        new String[] {"-u", target, "-d", driver, "-n", user, "-p", password, "--maxWidth=240"});
  }

  private static void serve(Serve options) throws Exception {
    // The keystore password comes from the environment: a command line is visible to every local
    // user (ps).
    String keystorePassword = System.getenv("DEEPBASE_TLS_PASSWORD");
    if (options.keystore != null && keystorePassword == null) {
      throw new IllegalArgumentException(
          "--tls-keystore needs the keystore password in DEEPBASE_TLS_PASSWORD");
    }
    Path workspace = options.workspace.dir.toAbsolutePath();
    if (!(options.idleMinutes * 60 >= 1)) {
      throw new IllegalArgumentException(
          "--idle-minutes must be at least 1/60 (one second), got " + options.idleMinutes);
    }
    org.deepbase.server.DeepBaseServer server =
        org.deepbase.server.DeepBaseServer.start(
            new org.deepbase.server.DeepBaseServer.Settings(
                workspace,
                options.bind,
                options.port,
                options.anonymous,
                options.allowSpark,
                options.keystore,
                keystorePassword,
                options.queryTimeout,
                java.time.Duration.ofMillis(Math.round(options.idleMinutes * 60_000)),
                options.flightPort,
                options.serialization));
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
            + workspace
            + "; JDBC URL: "
            + server.url()
            + (options.anonymous
                ? ""
                : ";authentication=BASIC;avatica_user=NAME;avatica_password=..."));
    if (server.flightPort() >= 0) {
      System.err.println(
          "Arrow Flight SQL: grpc"
              + (options.keystore != null ? "+tls" : "+tcp")
              + "://"
              + options.bind
              + ":"
              + server.flightPort());
    }
    server.join();
  }

  /** How long a stopping server waits for its clients' work to end before the process exits. */
  private static final int STOP_SECONDS = 4;

  private static void user(Path workspace, String name, String role, @Nullable String password)
      throws Exception {
    if (password == null) {
      java.io.Console console = System.console();
      password =
          console != null
              ? new String(console.readPassword("password for %s: ", name))
              : new java.io.BufferedReader(
                      new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8))
                  .readLine();
    }
    org.deepbase.engine.workspace.Workspace target =
        new org.deepbase.engine.workspace.Workspace(workspace);
    org.deepbase.server.Users.put(
        target, name, password, org.deepbase.engine.security.Role.of(role));
    System.out.println("user " + name + " saved in " + org.deepbase.server.Users.file(target));
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
}
