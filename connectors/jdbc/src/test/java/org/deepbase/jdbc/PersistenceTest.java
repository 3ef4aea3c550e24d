package org.deepbase.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.deepbase.queries.pacman.PlantedAgent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Views and stored result tables live in the workspace's H2 catalog and are shared by connections.
 */
class PersistenceTest {
  @TempDir static Path dir;

  @BeforeAll
  static void createWorkspace() throws Exception {
    PlantedAgent.workspace(dir, "pacman", 19, 120);
  }

  static Connection connect() throws SQLException {
    return DriverManager.getConnection("jdbc:deepbase:" + dir);
  }

  static long count(Statement s, String sql) throws SQLException {
    try (ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void viewsAndTablesAreSharedAndValidated() throws Exception {
    String inspect =
        "SELECT layer, unit, score FROM TABLE(inspect(models => 'pacman', units => 'conv1.*', "
            + "hypotheses => 'ghost', measures => 'local_iou', dataset => 'pacman_test'))";
    try (Connection a = connect();
        Connection b = connect();
        Statement sa = a.createStatement();
        Statement sb = b.createStatement()) {
      assertFalse(sa.execute("CREATE VIEW ghost_units AS " + inspect));
      // Another, already open connection sees it at once.
      assertEquals(16, count(sb, "SELECT count(*) FROM ghost_units"));
      try (ResultSet rs = sb.executeQuery("SELECT unit FROM ghost_units ORDER BY score DESC")) {
        rs.next();
        assertEquals(PlantedAgent.GHOST_UNIT, rs.getInt(1));
      }
      SQLException exists =
          assertThrows(
              SQLException.class, () -> sb.execute("CREATE VIEW ghost_units AS " + inspect));
      assertTrue(
          exists.getMessage().contains("already exists; use CREATE OR REPLACE VIEW"),
          exists.getMessage());
      sb.execute("CREATE OR REPLACE VIEW ghost_units AS " + inspect.replace("conv1.*", "conv2.*"));
      assertEquals(32, count(sa, "SELECT count(*) FROM ghost_units"));

      SQLException unknown =
          assertThrows(
              SQLException.class,
              () ->
                  sa.execute("CREATE VIEW banshee AS " + inspect.replace("'ghost'", "'banshee'")));
      assertTrue(
          PlantedUnitQueryTest.chain(unknown).contains("UNKNOWN_HYPOTHESIS"),
          PlantedUnitQueryTest.chain(unknown));
      SQLException relational =
          assertThrows(
              SQLException.class,
              () ->
                  sa.execute(
                      "CREATE VIEW bad_layer AS "
                          + "SELECT * FROM behaviors WHERE model = 'pacman' AND layer = 'conv9'"));
      assertTrue(PlantedUnitQueryTest.chain(relational).contains("UNKNOWN_LAYER"));
      assertThrows(SQLException.class, () -> sa.execute("CREATE VIEW broken AS SELEC 1"));
      assertEquals(0, count(sa, "SELECT count(*) FROM hypotheses WHERE hypothesis = 'banshee'"));
      assertThrows(
          SQLException.class,
          () -> sa.executeQuery("SELECT * FROM banshee"),
          "failed DDL persisted nothing");
      assertThrows(SQLException.class, () -> sa.executeQuery("SELECT * FROM broken"));

      assertEquals(16, sa.executeUpdate("CREATE TABLE ghost_scores AS " + inspect));
      // Stored results join with live tables, from any connection.
      assertEquals(
          16,
          count(
              sb,
              "SELECT count(*) FROM ghost_scores g JOIN units u "
                  + "ON u.layer = g.layer AND u.unit = g.unit WHERE u.model = 'pacman'"));
      SQLException clash =
          assertThrows(
              SQLException.class, () -> sa.execute("CREATE TABLE ghost_scores AS " + inspect));
      assertTrue(clash.getMessage().contains("already exists"));
      assertThrows(
          SQLException.class,
          () -> sa.execute("CREATE VIEW behaviors AS " + inspect),
          "built-ins are reserved");
      sa.execute("DROP VIEW ghost_units");
      assertThrows(SQLException.class, () -> sb.executeQuery("SELECT * FROM ghost_units"));
      sa.execute("DROP VIEW IF EXISTS ghost_units");
    }
    // A new connection (as after a restart) still has the stored table.
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT unit FROM ghost_scores ORDER BY score DESC")) {
        rs.next();
        assertEquals(PlantedAgent.GHOST_UNIT, rs.getInt(1));
      }
      s.execute("DROP TABLE ghost_scores");
      assertThrows(SQLException.class, () -> s.executeQuery("SELECT * FROM ghost_scores"));
    }
  }

  @Test
  void anAnnotationTableIsAHypothesisLikeAnyOther() throws Exception {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      // Load a user's annotations: here the ghost mask, under another name.
      s.executeUpdate(
          "CREATE TABLE my_annotations AS SELECT 'my_ghost' AS hypothesis, dataset, record_id, symbol, "
              + "annotation FROM annotations WHERE hypothesis = 'ghost' AND dataset = 'pacman_test' AND annotation = 1");
      try (ResultSet rs =
          s.executeQuery("SELECT kind FROM hypotheses WHERE hypothesis = 'my_ghost'")) {
        assertTrue(rs.next());
        assertEquals("table", rs.getString(1));
      }
      String inspect =
          "SELECT unit, score FROM TABLE(inspect(models => 'pacman', units => 'conv1.*', "
              + "hypotheses => '%s', measures => 'local_iou,corr', dataset => 'pacman_test')) ORDER BY unit, score";
      java.util.List<String> builtIn = new java.util.ArrayList<>();
      java.util.List<String> stored = new java.util.ArrayList<>();
      for (var pair :
          java.util.List.of(
              java.util.Map.entry("ghost", builtIn), java.util.Map.entry("my_ghost", stored))) {
        try (ResultSet rs = s.executeQuery(String.format(inspect, pair.getKey()))) {
          while (rs.next()) {
            pair.getValue().add(rs.getInt(1) + ":" + rs.getDouble(2));
          }
        }
      }
      assertEquals(builtIn, stored, "a stored hypothesis scores exactly as the built-in it copies");
      assertEquals(32, stored.size());
      // The relational form sees it too.
      assertEquals(
          120 * 285, count(s, "SELECT count(*) FROM annotations WHERE hypothesis = 'my_ghost'"));
      s.execute("DROP TABLE my_annotations");
    }
  }

  /**
   * A catalog written by DeepBase before issue 18 (H2's password-less default user, no owners,
   * opened with AUTO_SERVER) opens with its views and tables, which now belong to the workspace;
   * the password-less user is gone.
   */
  @Test
  void aCatalogFromBeforeCredentialsIsUpgraded(@TempDir Path old) throws Exception {
    PlantedAgent.workspace(old, "pacman", 19, 20);
    java.nio.file.Files.createDirectories(old.resolve("catalog"));
    String url = "jdbc:h2:file:" + old.resolve("catalog/deepbase");
    try (Connection h2 = DriverManager.getConnection(url + ";AUTO_SERVER=TRUE", "", "");
        Statement s = h2.createStatement()) {
      s.execute("CREATE TABLE DEEPBASE_VIEWS (NAME VARCHAR(256) PRIMARY KEY, SQL CLOB NOT NULL)");
      s.execute("INSERT INTO DEEPBASE_VIEWS VALUES ('old_view', 'SELECT layer, unit FROM units')");
      s.execute("CREATE SCHEMA RESULTS");
      s.execute("CREATE TABLE RESULTS.\"old_table\" (\"unit\" INTEGER)");
      s.execute("INSERT INTO RESULTS.\"old_table\" VALUES (7)");
    }
    try (Connection c = DriverManager.getConnection("jdbc:deepbase:" + old);
        Statement s = c.createStatement()) {
      assertEquals(
          count(s, "SELECT count(*) FROM units"), count(s, "SELECT count(*) FROM old_view"));
      assertEquals(7, count(s, "SELECT unit FROM old_table"));
      s.execute(
          "DROP VIEW old_view"); // the embedded user is an admin: may drop the workspace's objects
    }
    SQLException legacy =
        assertThrows(SQLException.class, () -> DriverManager.getConnection(url, "", "").close());
    assertTrue(legacy.getMessage().contains("Wrong user name or password"), legacy.getMessage());
  }
}
