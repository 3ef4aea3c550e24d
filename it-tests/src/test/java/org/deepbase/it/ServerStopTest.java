package org.deepbase.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.deepbase.engine.catalog.Workspace;
import org.deepbase.engine.security.Role;
import org.deepbase.queries.pacman.PlantedAgent;
import org.deepbase.server.Users;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGTERM stops a server within 5 s even while a client's long INSPECT runs (issue 15: it took 28-40 s). */
class ServerStopTest {
  @Test
  void sigtermStopsABusyServerWithinFiveSeconds(@TempDir Path dir) throws Exception {
    Workspace workspace = PlantedAgent.workspace(dir, "pacman", 29, 1500);
    Users.put(workspace, "alice", SecurityTest.PASSWORD, Role.READER);
    ServerProcess server = ServerProcess.start(dir, Map.of());
    try {
      CompletableFuture<String> query = CompletableFuture.supplyAsync(() -> {
        try (Connection c = server.connect("alice", SecurityTest.PASSWORD); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT * FROM TABLE(inspect(models => 'pacman', units => 'conv1.*,conv2.*', "
                 + "hypotheses => 'ghost,ghost_1,ghost_2,ghost_4,ghost_8,walls,dots', measures => 'iou,local_iou,corr,auc', "
                 + "dataset => 'pacman_test', batch_size => 1))")) {
          return rs.next() ? "finished" : "empty";
        } catch (Exception e) {
          return "failed: " + e.getMessage();
        }
      });
      Thread.sleep(4000);
      assertFalse(query.isDone(), "the query is still running when the server is told to stop: " + query.getNow(""));
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
