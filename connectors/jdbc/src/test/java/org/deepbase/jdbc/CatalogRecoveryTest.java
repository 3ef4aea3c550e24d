package org.deepbase.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.deepbase.queries.pacman.PlantedAgent;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A damaged catalog file loses no view (rebuilt from the catalog journal), names the stored tables
 * whose rows it lost with the query that made them, and keeps the damaged file; a catalog that
 * cannot be opened at all leaves the rest of the workspace answering, with errors that say why.
 */
class CatalogRecoveryTest {
  private static final String INSPECT =
      "SELECT layer, unit, score FROM TABLE(inspect(models => 'pacman', units => 'conv1.*', "
          + "hypotheses => 'ghost', measures => 'local_iou', dataset => 'pacman_test'))";

  @TempDir Path dir;

  /** Ways the H2 file was found damaged. */
  enum Damage {
    /** Random bytes over its first 20 kB: H2 refuses to open it ("File corrupted"). */
    HEADER_OVERWRITTEN,
    /** Cut to 100 kB: H2 opens an empty or older database without an error. */
    TRUNCATED,
    /** Random bytes in its middle: H2 opens, some objects are gone. */
    MIDDLE_OVERWRITTEN
  }

  @ParameterizedTest
  @EnumSource(Damage.class)
  void aDamagedCatalogLosesNoView(Damage damage) throws Exception {
    PlantedAgent.workspace(dir, "pacman", 23, 40);
    List<String> expected;
    List<String> paddingRows;
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute("CREATE VIEW ghost_view AS " + INSPECT);
      s.execute(
          "CREATE VIEW top_ghost AS SELECT unit, score FROM ghost_view ORDER BY score DESC LIMIT 3");
      s.execute("CREATE TABLE ghost_table AS " + INSPECT);
      s.execute("CREATE VIEW dropped AS SELECT 1 AS one");
      s.execute("DROP VIEW dropped");
      // Enough rows that the file has a middle to damage.
      s.execute(
          "CREATE TABLE padding AS SELECT record_id, symbol, behavior FROM behaviors "
              + "WHERE model = 'pacman' AND layer = 'conv1' AND unit < 4");
      expected = rows(s, "SELECT * FROM top_ghost");
      paddingRows = rows(s, "SELECT count(*) FROM padding");
    }
    Path file = dir.resolve("catalog/deepbase.mv.db");
    damage(file, damage);

    try (Connection c = connect();
        Statement s = c.createStatement()) {
      assertEquals(expected, rows(s, "SELECT * FROM top_ghost"), "views restored");
      assertEquals(16, rows(s, "SELECT * FROM ghost_view").size());
      assertThrows(SQLException.class, () -> rows(s, "SELECT * FROM dropped"), "a dropped view");
      // INSPECT never needed the catalog.
      assertEquals(16, rows(s, INSPECT).size());
      // The catalog takes new DDL after the repair.
      s.execute("CREATE VIEW after_repair AS SELECT 2 AS two");
      assertEquals(List.of("2"), rows(s, "SELECT * FROM after_repair"));
    }
    java.util.Optional<String> report = report();
    report.ifPresent(System.out::println);
    if (damage == Damage.HEADER_OVERWRITTEN) {
      try (Stream<Path> files = Files.list(dir.resolve("catalog"))) {
        assertTrue(
            files.anyMatch(f -> f.getFileName().toString().startsWith("deepbase.mv.db.damaged-")),
            "the damaged file is kept");
      }
      assertTrue(report.orElseThrow().contains("the damaged file is kept as"), report.get());
      // H2 started over: both views came from the journal, the tables' rows are gone.
      assertTrue(report.get().contains("[ghost_view, top_ghost]"), report.get());
      assertTrue(report.get().contains("Stored tables lost"), report.get());
    }
    if (damage == Damage.TRUNCATED) {
      assertTrue(report.orElseThrow().contains("Stored tables lost"), report.get());
    }
    // Each table is either whole or named as lost with the query that re-creates it.
    String lost = report.orElse("");
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      if (lost.contains("CREATE TABLE ghost_table AS ")) {
        assertTrue(lost.contains("CREATE TABLE ghost_table AS " + INSPECT), lost);
      } else {
        assertEquals(16, rows(s, "SELECT * FROM ghost_table").size());
      }
      if (!lost.contains("CREATE TABLE padding AS SELECT record_id")) {
        assertEquals(paddingRows, rows(s, "SELECT count(*) FROM padding"));
      }
    }
    // A second open finds nothing more to repair: the journal now matches the catalog.
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      assertEquals(List.of("2"), rows(s, "SELECT * FROM after_repair"));
    }
    try (Stream<Path> files = Files.list(dir.resolve("catalog"))) {
      assertEquals(
          report.isPresent() ? 1 : 0,
          files.filter(f -> f.getFileName().toString().startsWith("recovery-")).count(),
          "one report, from the repair only");
    }
  }

  @org.junit.jupiter.api.Test
  void aCatalogThatCannotOpenLeavesTheWorkspaceAnswering() throws Exception {
    PlantedAgent.workspace(dir, "pacman", 23, 40);
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute("CREATE VIEW ghost_view AS " + INSPECT);
    }
    // Something H2 cannot open as its file, and that is not damage to repair: a directory.
    Path file = dir.resolve("catalog/deepbase.mv.db");
    Path moved = dir.resolve("catalog/moved.mv.db");
    Files.move(file, moved);
    Files.createDirectory(file);
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      assertEquals(16, rows(s, INSPECT).size(), "INSPECT answers without the catalog");
      assertEquals(
          List.of("16"),
          rows(s, "SELECT count(*) FROM units WHERE layer = 'conv1'"),
          "built-in tables answer");
      SQLException view =
          assertThrows(SQLException.class, () -> rows(s, "SELECT * FROM ghost_view"));
      assertTrue(
          view.getMessage().contains("saved views and tables are unavailable"), view.getMessage());
      SQLException ddl =
          assertThrows(SQLException.class, () -> s.execute("CREATE VIEW v AS SELECT 1 AS one"));
      assertTrue(
          ddl.getMessage().contains("saved views and tables are unavailable")
              && ddl.getMessage().contains("cannot open the workspace catalog"),
          ddl.getMessage());
      assertEquals("58030", ddl.getSQLState());
    }
    Files.delete(file);
    Files.move(moved, file);
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      assertEquals(16, rows(s, "SELECT * FROM ghost_view").size(), "nothing was lost meanwhile");
    }
  }

  /**
   * H2 closing under a running process (its background writer's panic closes the database; here a
   * SHUTDOWN by the catalog's administrator does the same): queries keep answering, and the next
   * catalog access opens the file again (the pool's next H2 connection), so DDL works and lasts.
   */
  @org.junit.jupiter.api.Test
  void aCatalogClosedWhileRunningIsOpenedAgain() throws Exception {
    PlantedAgent.workspace(dir, "pacman", 23, 40);
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute("CREATE VIEW ghost_view AS " + INSPECT);
      assertEquals(16, rows(s, "SELECT * FROM ghost_view").size());
      java.util.Properties credentials = new java.util.Properties();
      try (var in = Files.newBufferedReader(dir.resolve("catalog/credentials.properties"))) {
        credentials.load(in);
      }
      try (Connection admin =
              DriverManager.getConnection(
                  "jdbc:h2:file:" + dir.resolve("catalog/deepbase"),
                  "DEEPBASE_ADMIN",
                  credentials.getProperty("admin"));
          Statement h2 = admin.createStatement()) {
        h2.execute("SHUTDOWN");
      }
      Thread.sleep(1100); // past the listing's reuse time: the next query reads the catalog
      assertEquals(16, rows(s, INSPECT).size(), "INSPECT answers");
      assertEquals(16, rows(s, "SELECT * FROM ghost_view").size(), "the saved view answers");
      s.execute("CREATE VIEW after_failure AS SELECT 1 AS one");
    }
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      assertEquals(16, rows(s, "SELECT * FROM ghost_view").size());
      assertEquals(List.of("1"), rows(s, "SELECT * FROM after_failure"), "made after the failure");
    }
  }

  private Connection connect() throws SQLException {
    return DriverManager.getConnection("jdbc:deepbase:" + dir);
  }

  /** Returns the repair report beside the catalog, if there is one. */
  private java.util.Optional<String> report() throws java.io.IOException {
    try (Stream<Path> files = Files.list(dir.resolve("catalog"))) {
      java.util.Optional<Path> report =
          files.filter(f -> f.getFileName().toString().startsWith("recovery-")).findFirst();
      return report.isEmpty()
          ? java.util.Optional.empty()
          : java.util.Optional.of(Files.readString(report.get()));
    }
  }

  private static void damage(Path file, Damage damage) throws java.io.IOException {
    long size = Files.size(file);
    Random random = new Random(7);
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      switch (damage) {
        case HEADER_OVERWRITTEN -> {
          byte[] junk = new byte[20_000];
          random.nextBytes(junk);
          f.write(junk);
        }
        case TRUNCATED -> f.setLength(Math.min(size / 3, 100_000));
        case MIDDLE_OVERWRITTEN -> {
          byte[] junk = new byte[(int) (size / 4)];
          random.nextBytes(junk);
          f.seek(size / 3);
          f.write(junk);
        }
      }
    }
  }

  private static List<String> rows(Statement s, String sql) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (ResultSet rs = s.executeQuery(sql)) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        StringBuilder row = new StringBuilder();
        for (int i = 1; i <= n; i++) {
          row.append(i > 1 ? "|" : "").append(rs.getString(i));
        }
        rows.add(row.toString());
      }
    }
    return rows;
  }
}
