package org.deepbase.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.deepbase.queries.pacman.PlantedAgent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A view and a stored result made by one process are there for the next process. */
class RestartTest {
  static String deepbase(Path workspace, String sql) throws Exception {
    return Cli.sql(workspace, sql, "--format", "csv");
  }

  @Test
  void viewsAndResultTablesSurviveARestart(@TempDir Path dir) throws Exception {
    PlantedAgent.workspace(dir, "pacman", 37, 60);
    String inspect =
        "SELECT unit, score FROM TABLE(inspect(models => 'pacman', units => 'conv1.*', "
            + "hypotheses => 'ghost', measures => 'local_iou', dataset => 'pacman_test'))";
    deepbase(dir, "CREATE VIEW ghost_view AS " + inspect);
    assertTrue(deepbase(dir, "CREATE TABLE ghost_result AS " + inspect).contains("ok (16 rows)"));
    String fromView = deepbase(dir, "SELECT unit FROM ghost_view ORDER BY score DESC LIMIT 1");
    String fromTable = deepbase(dir, "SELECT unit FROM ghost_result ORDER BY score DESC LIMIT 1");
    assertTrue(
        fromView.lines().anyMatch(l -> l.equals(String.valueOf(PlantedAgent.GHOST_UNIT))),
        fromView);
    assertTrue(
        fromTable.lines().anyMatch(l -> l.equals(String.valueOf(PlantedAgent.GHOST_UNIT))),
        fromTable);
  }
}
