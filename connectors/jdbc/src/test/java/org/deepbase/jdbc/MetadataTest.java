package org.deepbase.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deepbase.queries.pacman.PlantedAgent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a BI tool's navigator reads: schemas, tables with sensible types, each table's own columns,
 * functions.
 */
class MetadataTest {
  @TempDir Path dir;

  @Test
  void everyTableListsItsOwnColumns() throws Exception {
    PlantedAgent.workspace(dir, "pacman", 29, 20);
    try (Connection c = DriverManager.getConnection("jdbc:deepbase:" + dir);
        Statement s = c.createStatement()) {
      s.execute("CREATE VIEW conv_units AS SELECT layer, unit FROM units WHERE layer LIKE 'conv%'");
      s.execute("CREATE TABLE layer_sizes AS SELECT layer, unit_count FROM layers");
      DatabaseMetaData meta = c.getMetaData();
      assertEquals("DeepBase", meta.getDatabaseProductName());
      assertTrue(
          meta.getDatabaseProductVersion().startsWith("0.1.0 (Apache Calcite 1."),
          meta.getDatabaseProductVersion());
      Map<String, String> types = new LinkedHashMap<>();
      try (ResultSet rs = meta.getTables(null, "deepbase", "%", null)) {
        while (rs.next()) {
          types.put(rs.getString("TABLE_NAME"), rs.getString("TABLE_TYPE"));
        }
      }
      assertEquals("SYSTEM TABLE", types.get("models"));
      assertEquals("TABLE", types.get("behaviors"));
      assertEquals("VIEW", types.get("conv_units"));
      assertEquals("TABLE", types.get("layer_sizes"));
      List<String> beh = new ArrayList<>();
      try (ResultSet rs = meta.getTables(null, "deepbase", "beh%", null)) {
        while (rs.next()) {
          beh.add(rs.getString("TABLE_NAME"));
        }
      }
      assertEquals(
          List.of("behaviors"), beh, "a name pattern finds only matching tables, not every view");
      for (String table : types.keySet()) {
        List<String> fromMetadata = new ArrayList<>();
        try (ResultSet rs = meta.getColumns(null, "deepbase", table, "%")) {
          while (rs.next()) {
            assertEquals(table, rs.getString("TABLE_NAME"));
            fromMetadata.add(rs.getString("COLUMN_NAME"));
          }
        }
        List<String> fromQuery = new ArrayList<>();
        try (ResultSet rs = s.executeQuery("SELECT * FROM \"" + table + "\" WHERE 1 = 0")) {
          for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
            fromQuery.add(rs.getMetaData().getColumnLabel(i));
          }
        }
        assertEquals(fromQuery, fromMetadata, "columns of " + table);
      }
      Set<String> functions = new HashSet<>();
      try (ResultSet rs = meta.getFunctions(null, "deepbase", "%")) {
        while (rs.next()) {
          functions.add(rs.getString("FUNCTION_NAME"));
        }
      }
      assertTrue(
          functions.containsAll(
              Set.of(
                  "inspect",
                  "probe",
                  "iou",
                  "local_iou",
                  "corr",
                  "auc",
                  "precision",
                  "recall",
                  "f1",
                  "mutual_info")),
          functions.toString());
      // Parameters, by name, with whether they are required (what INSPECT's error names too).
      Map<String, String> inspect = new LinkedHashMap<>();
      try (ResultSet rs = meta.getFunctionColumns(null, "deepbase", "inspect", "%")) {
        while (rs.next()) {
          assertEquals(DatabaseMetaData.functionColumnIn, rs.getShort("COLUMN_TYPE"));
          inspect.put(rs.getString("COLUMN_NAME"), rs.getString("REMARKS"));
        }
      }
      for (String required : List.of("models", "units", "hypotheses", "measures", "dataset")) {
        assertEquals("required", inspect.get(required), required + " in " + inspect);
      }
      assertEquals("optional", inspect.get("tolerance"), inspect.toString());
      List<String> corr = new ArrayList<>();
      try (ResultSet rs = meta.getFunctionColumns(null, "deepbase", "corr", "%")) {
        while (rs.next()) {
          corr.add(rs.getShort("COLUMN_TYPE") + ":" + rs.getString("TYPE_NAME"));
        }
      }
      assertTrue(
          corr.contains(DatabaseMetaData.functionReturn + ":DOUBLE")
              && corr.contains(DatabaseMetaData.functionColumnIn + ":DOUBLE"),
          corr.toString());
      // Identifiers are case-insensitive in SQL, and so in metadata patterns (sqlline upper-cases
      // names when a driver says it stores them so).
      List<String> upper = new ArrayList<>();
      try (ResultSet rs = meta.getColumns(null, "DEEPBASE", "BEHAVIORS", null)) {
        while (rs.next()) {
          upper.add(rs.getString("COLUMN_NAME"));
        }
      }
      assertEquals(
          List.of(
              "model", "checkpoint", "layer", "unit", "dataset", "record_id", "symbol", "behavior"),
          upper);
      List<String> tableTypes = new ArrayList<>();
      try (ResultSet rs = meta.getTableTypes()) {
        while (rs.next()) {
          tableTypes.add(rs.getString(1));
        }
      }
      assertEquals(List.of("SYSTEM TABLE", "TABLE", "VIEW"), tableTypes);
    }
  }
}
