package org.deepbase.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.deepbase.engine.security.Role;
import org.deepbase.engine.workspace.Workspace;
import org.deepbase.queries.pacman.PlantedAgent;
import org.deepbase.server.Users;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Remote work stops when it should (issue 15): SIGTERM stops a busy server within 5 s (it took
 * 28-40 s), the server's query time limit and a client's close of a running statement stop the work
 * on the server (its CPU goes quiet), and the client is told.
 */
class ServerStopTest {
  static final String LONG =
      "SELECT * FROM TABLE(inspect(models => 'pacman', units => 'conv1.*,conv2.*', "
          + "hypotheses => 'ghost,ghost_1,ghost_2,ghost_4,ghost_8,walls,dots', measures => 'iou,local_iou,corr,auc', "
          + "dataset => 'pacman_test', batch_size => 1))";

  static Path busyWorkspace(Path dir) throws Exception {
    Workspace workspace = PlantedAgent.workspace(dir, "pacman", 29, 1500);
    Users.put(workspace, "alice", SecurityTest.PASSWORD, Role.READER);
    return dir;
  }

  /** Returns the server's CPU seconds over the next three seconds. */
  static double cpuOverThreeSeconds(ServerProcess server) throws Exception {
    double before = server.cpuSeconds();
    Thread.sleep(3000);
    return server.cpuSeconds() - before;
  }

  @Test
  void theServersQueryTimeLimitStopsTheWork(@TempDir Path dir) throws Exception {
    try (ServerProcess server =
            ServerProcess.start(busyWorkspace(dir), Map.of(), "--query-timeout", "3");
        Connection c = server.connect("alice", SecurityTest.PASSWORD);
        Statement s = c.createStatement()) {
      long start = System.nanoTime();
      java.sql.SQLException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              java.sql.SQLException.class, () -> s.executeQuery(LONG).close());
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf(
          "the 3 s limit stopped the query after %.1f s: %s%n", seconds, e.getMessage());
      assertTrue(seconds < 15, "stopped after " + seconds + " s");
      assertTrue(
          e.getMessage().contains("cancelled: query timeout of 3000 ms reached"), e.getMessage());
      assertEquals("57014", e.getSQLState(), e.getMessage());
      double cpu = cpuOverThreeSeconds(server);
      assertTrue(cpu < 1.0, "the server is quiet afterwards: " + cpu + " CPU s in 3 s");
    }
  }

  /**
   * What a BI tool sees, with Avatica's client jar only in its own JVM: the time limit stops the
   * work with 57014 and the connection stays usable; bad SQL is 42601, an unknown model 42704;
   * metadata matches the upper-cased names Avatica's client makes sqlline ask for; a connection
   * idle past the server's expiry fails with 08003 and a message saying why, though Avatica's
   * {@code isValid} still says true (it only looks at the client's state); a new connection works.
   */
  @Test
  void anAvaticaOnlyClientSeesLimitsErrorsMetadataAndExpiry(@TempDir Path dir) throws Exception {
    int idleSeconds = 6;
    try (ServerProcess server =
        ServerProcess.start(
            busyWorkspace(dir),
            Map.of(),
            "--query-timeout",
            "2",
            "--idle-minutes",
            String.valueOf(idleSeconds / 60.0))) {
      String out = session(server, "client-jars", server.url(), idleSeconds);
      assertTrue(
          line(out, "timeout").startsWith("[57014]")
              && line(out, "timeout").contains("query timeout of 2000 ms reached"),
          out);
      assertEquals("1", line(out, "after"), out);
      assertTrue(line(out, "syntax").startsWith("[42601]"), out);
      assertTrue(
          line(out, "unknown").startsWith("[42704]")
              && line(out, "unknown").contains("unknown model 'banshee'"),
          out);
      assertEquals("true", line(out, "upper-case identifiers"), out);
      assertEquals("8", line(out, "columns"), "behaviors' 8 columns: " + out);
      assertEquals(
          "true", line(out, "valid"), "Avatica's isValid looks only at the client: " + out);
      assertTrue(
          line(out, "expired").startsWith("[08003]")
              && line(out, "expired")
                  .contains("it was unused longer than the server's --idle-minutes"),
          out);
      assertEquals("1", line(out, "fresh"), out);

      // DeepBase's thin driver beside Avatica's jar: isValid asks the server, and identifiers are
      // reported as DeepBase treats them.
      String thin =
          session(
              server,
              "deepbase-client-jars",
              server.url().replace("jdbc:avatica:remote:", "jdbc:deepbase:remote:"),
              idleSeconds);
      assertEquals("false", line(thin, "upper-case identifiers"), thin);
      assertEquals("8", line(thin, "columns"), thin);
      assertEquals("false", line(thin, "valid"), "isValid tells the truth: " + thin);
      assertTrue(line(thin, "expired").startsWith("[08003]"), thin);
      assertEquals("1", line(thin, "fresh"), thin);
      assertTrue(line(thin, "timeout").startsWith("[57014]"), thin);
    }
  }

  /** Runs RemoteSession with the jars of {@code target/<jars>} against the server. */
  static String session(ServerProcess server, String jars, String url, int idleSeconds)
      throws Exception {
    String[] run =
        Jvm.runClient(
            Path.of("target", jars),
            "RemoteSession.java",
            url,
            "alice",
            SecurityTest.PASSWORD,
            LONG,
            String.valueOf(idleSeconds));
    System.out.println(run[1]);
    assertEquals("0", run[0], run[1]);
    return run[1];
  }

  /** Returns what a RemoteSession step printed after its label. */
  static String line(String out, String label) {
    return out.lines()
        .filter(l -> l.startsWith(label + ": "))
        .map(l -> l.substring(label.length() + 2))
        .findFirst()
        .orElse("(no " + label + " line)");
  }

  @Test
  void closingARunningStatementStopsTheServersWork(@TempDir Path dir) throws Exception {
    try (ServerProcess server = ServerProcess.start(busyWorkspace(dir), Map.of());
        Connection c = server.connect("alice", SecurityTest.PASSWORD)) {
      Statement s = c.createStatement();
      CompletableFuture<String> query =
          CompletableFuture.supplyAsync(
              () -> {
                try (ResultSet rs = s.executeQuery(LONG)) {
                  return rs.next() ? "finished" : "empty";
                } catch (Exception e) {
                  return "failed: " + e.getMessage();
                }
              });
      Thread.sleep(4000);
      assertFalse(query.isDone(), query.getNow(""));
      assertTrue(cpuOverThreeSeconds(server) > 1.0, "the server works on the query");
      s.close(); // Avatica has no cancel request: a close from another thread is how a client
      // stops a query
      String outcome = query.get(60, TimeUnit.SECONDS);
      System.out.println("after close: " + outcome);
      double cpu = cpuOverThreeSeconds(server);
      assertTrue(cpu < 1.0, "the server stopped working: " + cpu + " CPU s in 3 s");
      try (Statement again = c.createStatement();
          ResultSet rs = again.executeQuery("SELECT 1")) {
        assertTrue(rs.next(), "the connection still works");
      }
    }
  }

  @Test
  void sigtermStopsABusyServerWithinFiveSeconds(@TempDir Path dir) throws Exception {
    ServerProcess server = ServerProcess.start(busyWorkspace(dir), Map.of());
    try {
      CompletableFuture<String> query =
          CompletableFuture.supplyAsync(
              () -> {
                try (Connection c = server.connect("alice", SecurityTest.PASSWORD);
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery(LONG)) {
                  return rs.next() ? "finished" : "empty";
                } catch (Exception e) {
                  return "failed: " + e.getMessage();
                }
              });
      Thread.sleep(4000);
      assertFalse(
          query.isDone(),
          "the query is still running when the server is told to stop: " + query.getNow(""));
      long start = System.nanoTime();
      server.close(); // SIGTERM, then waits for the exit
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf("server stopped %.1f s after SIGTERM with a query running%n", seconds);
      assertFalse(server.alive());
      assertTrue(seconds < 5, "stopped in " + seconds + " s");
      String outcome = query.get(60, TimeUnit.SECONDS);
      assertTrue(outcome.startsWith("failed"), "the client is told: " + outcome);
    } finally {
      server.close();
    }
  }
}
