package org.deepbase.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.deepbase.engine.security.Role;
import org.deepbase.engine.workspace.Workspace;
import org.deepbase.queries.pacman.PlantedAgent;
import org.deepbase.server.DeepBaseServer;
import org.deepbase.server.Users;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Arrow Flight SQL endpoint, reached from a separate JVM whose class path holds only Arrow
 * Flight's jars (target/flight-jars), as pyarrow/ADBC or a BI tool's Flight driver would.
 */
class FlightSqlTest {
  private static final String INSPECT =
      "SELECT unit, score FROM TABLE(inspect(models => 'pacman', units => 'conv1.*', "
          + "hypotheses => 'ghost', measures => 'local_iou', dataset => 'pacman_test')) "
          + "ORDER BY score DESC, unit";

  @TempDir static Path dir;
  static DeepBaseServer server;

  @BeforeAll
  static void start() throws Exception {
    Workspace workspace = PlantedAgent.workspace(dir, "pacman", 23, 2000);
    Users.put(workspace, "alice", "s3cret-pw", Role.WRITER);
    server =
        DeepBaseServer.start(
            new DeepBaseServer.Settings(dir, "127.0.0.1", 0, false).withFlightPort(0));
    ;
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static Process client(String user, String password, String... command) throws Exception {
    return Jvm.client(FLIGHT_JARS, "FlightSqlProgram.java", args(user, password, command));
  }

  /** Runs the client to its end; returns {exit code, output}. */
  static String[] run(String user, String password, String... command) throws Exception {
    return Jvm.runClient(FLIGHT_JARS, "FlightSqlProgram.java", args(user, password, command));
  }

  private static final Path FLIGHT_JARS = Path.of("target", "flight-jars");

  private static String[] args(String user, String password, String... command) {
    List<String> args =
        new ArrayList<>(List.of(String.valueOf(server.flightPort()), user, password));
    args.addAll(List.of(command));
    return args.toArray(new String[0]);
  }

  static List<String> embedded(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:deepbase:" + dir)) {
      return Rows.of(c, sql);
    }
  }

  static String digest(List<String> rows) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    for (String row : rows) {
      sha.update((row + "\n").getBytes(StandardCharsets.UTF_8));
    }
    return "rows=" + rows.size() + " sha256=" + HexFormat.of().formatHex(sha.digest());
  }

  private static List<String> rowsOf(String output) {
    return output.lines().filter(l -> !l.startsWith("WARN") && !l.startsWith("SLF4J")).toList();
  }

  @Test
  void aFlightOnlyClientListsTablesAndGetsTheEmbeddedDriversRows() throws Exception {
    String[] tables = run("alice", "s3cret-pw", "tables");
    assertEquals("0", tables[0], tables[1]);
    assertTrue(tables[1].contains("|deepbase|behaviors|"), tables[1]);
    assertTrue(tables[1].contains("|deepbase|annotations|"), tables[1]);

    String[] inspect = run("alice", "s3cret-pw", "query", INSPECT);
    assertEquals("0", inspect[0], inspect[1]);
    List<String> rows = rowsOf(inspect[1]);
    assertEquals(embedded(INSPECT), rows, "Flight rows equal embedded rows");
    assertTrue(rows.get(0).startsWith(PlantedAgent.GHOST_UNIT + "|"), rows.get(0));

    String literal =
        "SELECT * FROM behaviors WHERE model = 'pacman' AND dataset = 'pacman_test' "
            + "AND layer = 'conv1' LIMIT 100000";
    String[] prepared =
        run(
            "alice",
            "s3cret-pw",
            "prepared",
            "SELECT * FROM behaviors WHERE model = ? AND dataset = ? AND layer = ? LIMIT 100000",
            "pacman",
            "pacman_test",
            "conv1");
    assertEquals("0", prepared[0], prepared[1]);
    List<String> expected = embedded(literal);
    assertEquals(100_000, expected.size());
    assertEquals(digest(expected), rowsOf(prepared[1]).get(0), "100k rows with parameters");
  }

  @Test
  void catalogMetadataAnswers() throws Exception {
    String[] info = run("alice", "s3cret-pw", "metadata");
    assertEquals("0", info[0], info[1]);
    assertTrue(info[1].contains("schema null|deepbase"), info[1]);
    assertTrue(info[1].contains("DeepBase"), info[1]);
    assertTrue(info[1].contains("\""), "identifier quote: " + info[1]);
  }

  /** DBeaver's way in: Arrow's Flight SQL JDBC driver, alone on the class path. */
  @Test
  void theFlightSqlJdbcDriverRunsInspect() throws Exception {
    String[] result =
        Jvm.runClient(
            Path.of("target", "flight-jdbc"),
            "RemoteClient.java",
            "jdbc:arrow-flight-sql://127.0.0.1:"
                + server.flightPort()
                + "?useEncryption=false&user=alice&password=s3cret-pw",
            "-",
            "-",
            INSPECT);
    assertEquals("0", result[0], result[1]);
    String output = result[1];
    List<String> rows = output.lines().filter(l -> l.matches("\\d+\\|.*")).toList();
    assertEquals(embedded(INSPECT), rows, output);
  }

  @Test
  void wrongOrNoPasswordIsRefused() throws Exception {
    String[] wrong = run("alice", "guess", "tables");
    assertNotEquals("0", wrong[0]);
    assertTrue(wrong[1].contains("wrong user name or password"), wrong[1]);
    String[] none = run("-", "-", "tables");
    assertNotEquals("0", none[0]);
    assertTrue(none[1].toLowerCase(Locale.ROOT).contains("auth"), none[1]);
  }

  private static final String LONG_INSPECT =
      "SELECT * FROM TABLE(inspect(models => 'pacman', units => 'conv1.*,conv2.*', "
          + "hypotheses => 'ghost,ghost_1,ghost_2,walls,dots', measures => 'iou,local_iou,corr,auc', "
          + "dataset => 'pacman_test', batch_size => 1))";

  @Test
  void aClientThatVanishesStopsItsQuery() throws Exception {
    long before = server.flightForwardPasses();
    Process p = client("alice", "s3cret-pw", "query", LONG_INSPECT);
    long start = System.nanoTime();
    while (server.flightForwardPasses() == before && System.nanoTime() - start < 60e9) {
      Thread.sleep(100);
    }
    Thread.sleep(1000);
    p.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL: no goodbye, the TCP link drops
    Thread.sleep(1500);
    long afterKill = server.flightForwardPasses();
    Thread.sleep(3000);
    long later = server.flightForwardPasses();
    assertTrue(afterKill > before, "the query ran");
    assertTrue(later - afterKill <= 2, "passes stopped: " + afterKill + " then " + later);
    assertTrue(later - before < 2000, "the query did not run to its end: " + (later - before));
  }

  @Test
  void cancelStopsTheServersForwardPasses() throws Exception {
    String longInspect = LONG_INSPECT;
    long before = server.flightForwardPasses();
    Process p = client("alice", "s3cret-pw", "cancel", longInspect, "3");
    long atCancel = -1;
    String ended = null;
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        if (line.startsWith("cancel ")) {
          atCancel = server.flightForwardPasses();
        } else if (line.startsWith("stream ended")) {
          ended = line;
          long afterEnd = server.flightForwardPasses();
          Thread.sleep(3000);
          long later = server.flightForwardPasses();
          assertTrue(atCancel - before > 0, "the query ran before the cancel");
          assertTrue(
              later - atCancel <= 4,
              "forward passes stopped: " + atCancel + " at cancel, " + later + " 3 s after");
          assertEquals(afterEnd, later, "no pass after the stream ended");
          assertTrue(
              later - before < 2000, "the query did not run to its end: " + (later - before));
        } else if (line.startsWith("error")) {
          throw new AssertionError(line);
        }
      }
    }
    p.waitFor(60, TimeUnit.SECONDS);
    assertTrue(ended != null && ended.toLowerCase(Locale.ROOT).contains("cancel"), "" + ended);
  }
}
