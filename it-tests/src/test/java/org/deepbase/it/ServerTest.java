package org.deepbase.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.deepbase.engine.workspace.Workspace;
import org.deepbase.queries.pacman.PlantedAgent;
import org.deepbase.server.DeepBaseServer;
import org.deepbase.server.Users;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Avatica server, reached from a separate JVM with only the client jars, and by 8 clients at
 * once.
 */
class ServerTest {
  static final String GHOST =
      "SELECT b.layer, b.unit, local_iou(b.behavior, a.annotation) AS score "
          + "FROM deepbase.behaviors b JOIN deepbase.annotations a ON a.dataset = b.dataset "
          + "AND a.record_id = b.record_id AND a.symbol = b.symbol WHERE b.model = 'pacman' AND b.layer = 'conv1' "
          + "AND a.hypothesis = 'ghost' GROUP BY b.layer, b.unit ORDER BY score DESC, b.unit";

  @TempDir static Path dir;
  static DeepBaseServer server;

  @BeforeAll
  static void start() throws Exception {
    Workspace workspace = PlantedAgent.workspace(dir, "pacman", 23, 100);
    Users.put(workspace, "alice", "s3cret-pw", org.deepbase.engine.security.Role.WRITER);
    server = DeepBaseServer.start(new DeepBaseServer.Settings(dir, "127.0.0.1", 0, false));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** Runs the remote client in its own JVM; returns {exit code, stdout + stderr}. */
  static String[] remote(String user, String password, String sql) throws Exception {
    return Jvm.runClient(
        Path.of("target", "client-jars"), "RemoteClient.java", server.url(), user, password, sql);
  }

  static List<String> embedded(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:deepbase:" + dir)) {
      return Rows.of(c, sql);
    }
  }

  @Test
  void aBiToolsClassPathRunsTheGhostQueryRemotely() throws Exception {
    String[] ok = remote("alice", "s3cret-pw", GHOST);
    assertEquals("0", ok[0], ok[1]);
    List<String> rows = ok[1].lines().filter(l -> l.startsWith("conv1|")).toList();
    assertEquals(embedded(GHOST), rows, "remote rows equal embedded rows");
    assertTrue(rows.get(0).startsWith("conv1|" + PlantedAgent.GHOST_UNIT + "|1"), rows.get(0));

    String[] wrong = remote("alice", "guess", "SELECT 1");
    assertNotEquals("0", wrong[0]);
    assertTrue(
        wrong[1].contains("authentication failed: wrong user name or password")
            && wrong[1].contains("[SQLState 28000]")
            && !wrong[1].contains("RefusedLogins"),
        wrong[1]);
    String[] anonymous = remote("-", "-", "SELECT 1");
    assertNotEquals("0", anonymous[0]);
    // No credentials at all: the HTTP challenge, which Avatica's client reports as HTTP/401.
    assertTrue(anonymous[1].contains("HTTP/401"), anonymous[1]);
  }

  /**
   * A real remote sqlline session (sqlline, jline and Avatica's client jar only, in its own JVM):
   * discovery commands find DeepBase's tables and columns though Avatica's client says identifiers
   * are stored in upper case (sqlline then asks for BEHAVIORS).
   */
  @Test
  void sqllineBrowsesTheServer(@TempDir Path scratch) throws Exception {
    Path script = scratch.resolve("session.sql");
    Files.writeString(
        script,
        "!tables\n!columns behaviors\n!describe layers\n"
            + "SELECT count(*) AS conv_units FROM units WHERE layer LIKE 'conv%';\n");
    String url =
        server.url() + ";authentication=BASIC;avatica_user=alice;avatica_password=s3cret-pw";
    Process p =
        new ProcessBuilder(
                Jvm.command(
                    Jvm.jarsIn(Path.of("target", "sqlline-jars")),
                    List.of(),
                    "sqlline.SqlLine",
                    List.of(
                        "-u",
                        url,
                        "-n",
                        "alice",
                        "-p",
                        "s3cret-pw",
                        "-d",
                        "org.apache.calcite.avatica.remote.Driver",
                        "--run=" + script,
                        "--maxWidth=400")))
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
    String count = embedded("SELECT count(*) FROM units WHERE layer LIKE 'conv%'").get(0);
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS), text);
    assertTrue(text.contains("behaviors") && text.contains("SYSTEM TABLE"), "!tables: " + text);
    for (String column : List.of("record_id", "symbol", "behavior")) {
      assertTrue(text.contains(column), "!columns behaviors lists " + column + ": " + text);
    }
    assertTrue(text.contains("unit_count"), "!describe layers lists its columns: " + text);
    assertTrue(
        text.lines().anyMatch(l -> l.matches("\\|\\s*" + count + "\\s*\\|")),
        "the query's answer: " + text);
    assertFalse(text.contains("Operation not yet supported"), text);
  }

  @Test
  void listensOnLoopbackOnly() throws Exception {
    // The kernel's socket tables list each listening socket's local address: 127.0.0.1 is 0100007F
    // (tcp) or ::ffff:127.0.0.1 (tcp6). Reading them sends no traffic anywhere.
    String port = String.format("%04X", server.port());
    List<String> listening = new ArrayList<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      for (String line : Files.readAllLines(Path.of(table))) {
        String[] f = line.trim().split("\\s+");
        if (f.length > 3 && f[1].endsWith(":" + port) && f[3].equals("0A")) {
          listening.add(f[1]);
        }
      }
    }
    assertEquals(
        1, listening.size(), "one listening socket on port " + server.port() + ": " + listening);
    String local = listening.get(0);
    assertTrue(
        local.startsWith("0100007F:") || local.startsWith("0000000000000000FFFF00000100007F:"),
        "bound to 127.0.0.1 only: " + local);
  }

  @Test
  void eightConcurrentClientsGetTheirOwnAnswersAndACancelDisturbsNoOne() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(9);
    try {
      List<Future<?>> work = new ArrayList<>();
      for (int client = 0; client < 8; client++) {
        int unit = client;
        work.add(
            pool.submit(
                () -> {
                  String sql =
                      "SELECT unit, score FROM TABLE(inspect(models => 'pacman', units => 'conv1."
                          + unit
                          + "', hypotheses => 'ghost', measures => 'local_iou', dataset => 'pacman_test'))";
                  List<String> expected = embedded(sql);
                  try (Connection c = remoteConnection();
                      Statement s = c.createStatement();
                      ResultSet rs = s.executeQuery(sql)) {
                    rs.next();
                    assertEquals(
                        expected.get(0), rs.getString(1) + "|" + rs.getString(2), "client " + unit);
                  }
                  return null;
                }));
      }
      Future<String> cancelled =
          pool.submit(
              () -> {
                try (Connection c = remoteConnection();
                    Statement s = c.createStatement()) {
                  s.setQueryTimeout(1);
                  try (ResultSet rs =
                      s.executeQuery(
                          "SELECT * FROM TABLE(inspect(models => 'pacman@*', "
                              + "units => 'conv1.*,conv2.*', hypotheses => 'ghost,ghost_1,ghost_2,ghost_4,ghost_8,walls,dots', "
                              + "measures => 'iou,local_iou,corr,auc', dataset => 'pacman_test', batch_size => 2))")) {
                    rs.next();
                    return "not cancelled";
                  } catch (SQLException e) {
                    return e.getMessage();
                  }
                }
              });
      for (Future<?> f : work) {
        f.get(300, TimeUnit.SECONDS);
      }
      assertTrue(
          cancelled.get(300, TimeUnit.SECONDS).contains("cancel"), "the long query was cancelled");
    } finally {
      pool.shutdownNow();
    }
  }

  static Connection remoteConnection() throws SQLException {
    Properties p = new Properties();
    p.setProperty("authentication", "BASIC");
    p.setProperty("avatica_user", "alice");
    p.setProperty("avatica_password", "s3cret-pw");
    return DriverManager.getConnection(server.url(), p);
  }

  @Test
  void remoteMetadataShowsEachTablesOwnColumnsAndViewsOfOtherClients() throws Exception {
    try (Connection a = remoteConnection();
        Connection b = remoteConnection();
        Statement s = a.createStatement()) {
      s.execute("CREATE OR REPLACE VIEW remote_view AS SELECT layer, unit FROM units");
      List<String> columns = new ArrayList<>();
      try (ResultSet rs = b.getMetaData().getColumns(null, "deepbase", "models", "%")) {
        while (rs.next()) {
          columns.add(rs.getString("COLUMN_NAME"));
        }
      }
      assertEquals(
          List.of("model", "checkpoint", "format", "path", "input_shape", "latest"), columns);
      String type = null;
      try (ResultSet rs = b.getMetaData().getTables(null, "deepbase", "remote_view", null)) {
        while (rs.next()) {
          type = rs.getString("TABLE_TYPE");
        }
      }
      assertEquals("VIEW", type, "another client sees the view at once");
      s.execute("DROP VIEW remote_view");
    }
  }

  @Test
  void remoteErrorsCarryTheirMessageAndSqlState() throws Exception {
    try (Connection c = remoteConnection();
        Statement s = c.createStatement()) {
      SQLException unknown =
          org.junit.jupiter.api.Assertions.assertThrows(
              SQLException.class,
              () ->
                  s.executeQuery(
                          "SELECT * FROM TABLE(inspect(models => 'banshee', units => 'conv1.*', hypotheses => 'ghost', "
                              + "measures => 'corr', dataset => 'pacman_test'))")
                      .close());
      assertEquals("42704", unknown.getSQLState(), unknown.getMessage());
      assertTrue(unknown.getMessage().contains("unknown model 'banshee'"), unknown.getMessage());
      SQLException syntax =
          org.junit.jupiter.api.Assertions.assertThrows(
              SQLException.class, () -> s.executeQuery("SELEC 1").close());
      assertEquals("42601", syntax.getSQLState(), syntax.getMessage());
      // Schema-qualified, as DBeaver writes it.
      assertEquals(
          List.of("1"),
          Rows.of(
              c,
              "SELECT COUNT(*) FROM TABLE(deepbase.inspect(models => 'pacman', "
                  + "units => 'conv1.0', hypotheses => 'ghost', measures => 'corr', dataset => 'pacman_test'))"));
    }
  }

  /**
   * Prints (does not assert) remote latencies: connection set-up, a metadata query, a prepared
   * re-execution.
   */
  @Test
  void reportLatencies() throws Exception {
    long[] connect = new long[20];
    for (int i = 0; i < connect.length; i++) {
      long start = System.nanoTime();
      try (Connection c = remoteConnection()) {
        c.getMetaData();
      }
      connect[i] = System.nanoTime() - start;
    }
    long[] metadata = new long[50];
    long[] prepared = new long[50];
    try (Connection c = remoteConnection()) {
      for (int i = 0; i < metadata.length; i++) {
        long start = System.nanoTime();
        try (Statement s = c.createStatement();
            ResultSet rs = s.executeQuery("SELECT count(*) FROM layers")) {
          rs.next();
        }
        metadata[i] = System.nanoTime() - start;
      }
      try (java.sql.PreparedStatement p = c.prepareStatement("SELECT count(*) FROM layers")) {
        for (int i = 0; i < prepared.length; i++) {
          long start = System.nanoTime();
          try (ResultSet rs = p.executeQuery()) {
            rs.next();
            assertEquals(6, rs.getInt(1), "conv1-3, pool, fc1, out");
          }
          prepared[i] = System.nanoTime() - start;
        }
      }
    }
    System.out.printf(
        "remote latency p50: connect %.1f ms, ad-hoc metadata query %.1f ms, prepared re-execution %.1f ms%n",
        p50(connect), p50(metadata), p50(prepared));
  }

  static double p50(long[] nanos) {
    long[] sorted = nanos.clone();
    java.util.Arrays.sort(sorted);
    return sorted[sorted.length / 2] / 1e6;
  }
}
