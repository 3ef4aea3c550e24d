package org.deepbase.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.deepbase.queries.pacman.PlantedAgent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code deepbase sql --format csv|json|arrow}, read back by readers that share no code with the
 * writers (Python's csv and json modules, pandas when installed, Arrow's IPC stream reader), equals
 * what the JDBC driver returns, value by value: strings with commas, quotes, newlines and tabs, the
 * string 'null' next to a real null, leading zeros, doubles at full precision, big integers,
 * arrays, bytes (a PNG).
 */
class OutputFormatsTest {
  private static final String TRICKY =
      "SELECT * FROM (VALUES "
          + "(U&'a,b \"q\"\\000aline 2\\0009tab', 'null', "
          + "CAST(NULL AS VARCHAR), CAST(0.1 AS DOUBLE) + CAST(0.2 AS DOUBLE), CAST(1 AS DOUBLE) / 3, "
          + "7, CAST(9007199254740993 AS BIGINT), X'00FF10', ARRAY[1, 2, 3]), "
          + "(U&'007', 'NA', 'x', -1.5e-300, 2.5, -3, 0, X'', ARRAY[4])) "
          + "AS t(s, n, z, d, third, i, big, b, arr)";

  private static final String[] QUERIES = {
    TRICKY,
    "SELECT * FROM layers",
    "SELECT * FROM behaviors WHERE model = 'pacman' AND dataset = 'pacman_test' AND layer = 'conv1'"
        + " LIMIT 300",
    "SELECT unit, heatmap('pacman', 'conv1', unit, 'pacman_test', 0) AS png FROM "
        + "(VALUES (0), ("
        + PlantedAgent.GHOST_UNIT
        + ")) AS u(unit)"
  };

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;

  @BeforeAll
  static void workspace() throws Exception {
    PlantedAgent.workspace(dir, "pacman", 29, 12);
  }

  /** Returns the JDBC values: typed as {@code Cells} types them, a row per list. */
  static List<Object[]> jdbc(String sql, List<Integer> types, List<String> names) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:deepbase:" + dir);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      ResultSetMetaData meta = rs.getMetaData();
      for (int i = 1; i <= meta.getColumnCount(); i++) {
        types.add(meta.getColumnType(i));
        names.add(meta.getColumnLabel(i));
      }
      List<Object[]> rows = new ArrayList<>();
      while (rs.next()) {
        Object[] row = new Object[types.size()];
        for (int i = 1; i <= types.size(); i++) {
          Object v = rs.getObject(i);
          if (v instanceof java.sql.Array a) {
            Object elements = a.getArray();
            List<Object> list = new ArrayList<>();
            for (int k = 0; k < java.lang.reflect.Array.getLength(elements); k++) {
              list.add(((Number) java.lang.reflect.Array.get(elements, k)).longValue());
            }
            v = list;
          } else if (v instanceof Float f) {
            v = (double) f;
          } else if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
            v = ((Number) v).longValue();
          }
          row[i - 1] = v;
        }
        rows.add(row);
      }
      return rows;
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 3})
  void csvAndJsonReadBackByPythonEqualJdbc(int query) throws Exception {
    String sql = QUERIES[query];
    List<Integer> types = new ArrayList<>();
    List<String> names = new ArrayList<>();
    List<Object[]> expected = jdbc(sql, types, names);
    assertTrue(expected.size() > 1, "rows to compare");
    Path csv = dir.resolve("q" + query + ".csv");
    Path json = dir.resolve("q" + query + ".json");
    write(sql, "csv", csv);
    write(sql, "json", json);

    Process python =
        new ProcessBuilder(
                "/usr/bin/python3",
                Path.of("src", "test", "resources", "formats", "read_back.py").toString(),
                csv.toString(),
                json.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(python.getInputStream().readAllBytes());
    assertTrue(python.waitFor(120, TimeUnit.SECONDS));
    assertEquals(0, python.exitValue(), output);
    JsonNode back = JSON.readTree(output);

    JsonNode csvRows = back.get("csv");
    assertEquals(expected.size() + 1, csvRows.size(), "header + rows");
    for (int c = 0; c < names.size(); c++) {
      assertEquals(names.get(c), csvRows.get(0).get(c).asText());
    }
    JsonNode jsonRows = back.get("json");
    assertEquals(expected.size(), jsonRows.size());
    for (int r = 0; r < expected.size(); r++) {
      for (int c = 0; c < names.size(); c++) {
        String where = "row " + r + " column " + names.get(c) + " of " + sql;
        Object want = expected.get(r)[c];
        assertValue(
            want, fromCsv(csvRows.get(r + 1).get(c).asText(), types.get(c)), "CSV " + where);
        assertValue(
            want, fromJson(jsonRows.get(r).get(names.get(c)), types.get(c)), "JSON " + where);
      }
    }
    JsonNode pandas = back.get("pandas");
    if (pandas != null && !pandas.isNull()) {
      for (int r = 0; r < expected.size(); r++) {
        for (int c = 0; c < names.size(); c++) {
          Object want = expected.get(r)[c];
          int type = types.get(c);
          if (want instanceof Double || want instanceof Long && type != Types.BIGINT) {
            // pandas holds numbers as int64/float64: exact for these columns
            assertEquals(
                ((Number) want).doubleValue(),
                pandas.get(r + 1).get(c).asDouble(),
                0.0,
                "pandas row " + r + " column " + names.get(c));
          } else if (want instanceof String text && !text.isEmpty()) {
            assertEquals(text, pandas.get(r + 1).get(c).asText(), "pandas " + names.get(c));
          }
        }
      }
    } else {
      System.out.println("pandas not installed: the pandas read_csv check was skipped");
    }
    if (query == 0) {
      String raw = Files.readString(csv);
      assertTrue(
          raw.contains("\"null\",,"), "the string 'null' is quoted, a null is empty: " + raw);
      assertTrue(raw.contains("\"007"), "leading zeros kept: " + raw);
      assertTrue(raw.contains("\r\n"), "RFC 4180 line ends");
    }
  }

  @Test
  void arrowStreamReadBackEqualsJdbc() throws Exception {
    for (String sql : QUERIES) {
      List<Integer> types = new ArrayList<>();
      List<String> names = new ArrayList<>();
      List<Object[]> expected = jdbc(sql, types, names);
      Path file = dir.resolve("result.arrow");
      write(sql, "arrow", file);
      List<Object[]> read = new ArrayList<>();
      try (BufferAllocator allocator = new RootAllocator();
          ArrowStreamReader reader = new ArrowStreamReader(Files.newInputStream(file), allocator)) {
        VectorSchemaRoot root = reader.getVectorSchemaRoot();
        for (int c = 0; c < names.size(); c++) {
          assertEquals(names.get(c), root.getSchema().getFields().get(c).getName());
        }
        while (reader.loadNextBatch()) {
          for (int r = 0; r < root.getRowCount(); r++) {
            Object[] row = new Object[names.size()];
            for (int c = 0; c < names.size(); c++) {
              row[c] = fromArrow(root.getVector(c).getObject(r));
            }
            read.add(row);
          }
        }
      }
      assertEquals(expected.size(), read.size(), sql);
      for (int r = 0; r < expected.size(); r++) {
        for (int c = 0; c < names.size(); c++) {
          assertValue(
              expected.get(r)[c],
              read.get(r)[c],
              "Arrow row " + r + " column " + names.get(c) + " of " + sql);
        }
      }
    }
  }

  @Test
  void unknownOptionsAndValuesAreErrorsWithUsage() throws Exception {
    String[] typo =
        Cli.run("sql", "--workspace", dir.toString(), "--formt", "csv", "-e", "SELECT 1");
    assertNotEquals("0", typo[0]);
    assertTrue(typo[2].contains("Unknown option") && typo[2].contains("Usage"), typo[2]);
    String[] xml =
        Cli.run("sql", "--workspace", dir.toString(), "--format", "xml", "-e", "SELECT 1");
    assertNotEquals("0", xml[0]);
    assertTrue(xml[2].contains("xml") && xml[2].contains("csv"), xml[2]);
    Path file = dir.resolve("q.sql");
    Files.writeString(file, "SELECT 41 + 1 AS answer");
    assertEquals(
        "\"answer\"\r\n42\r\n", Cli.sql(dir, null, "--file", file.toString(), "--format", "csv"));
  }

  /** Runs {@code deepbase sql --format F --out FILE} in this JVM (the file is what is checked). */
  private static void write(String sql, String format, Path out) {
    assertEquals(
        0,
        org.deepbase.cli.Main.run(
            "sql",
            "--workspace",
            dir.toString(),
            "-e",
            sql,
            "--format",
            format,
            "--out",
            out.toString()),
        "deepbase sql --format " + format);
  }

  private static Object fromArrow(Object value) {
    if (value instanceof org.apache.arrow.vector.util.Text text) {
      return text.toString();
    }
    if (value instanceof Integer i) {
      return (long) i;
    }
    if (value instanceof Float f) {
      return (double) f;
    }
    if (value instanceof List<?> list) {
      return list.stream().map(e -> ((Number) e).longValue()).toList();
    }
    return value;
  }

  private static Object fromCsv(String cell, int type) throws Exception {
    if (cell.isEmpty()) {
      return null; // the tricky rows hold no empty string: Python's csv reads "" and a null alike
    }
    return switch (type) {
      case Types.INTEGER, Types.BIGINT, Types.SMALLINT, Types.TINYINT -> Long.parseLong(cell);
      case Types.DOUBLE, Types.FLOAT, Types.REAL -> Double.parseDouble(cell);
      case Types.DECIMAL -> new java.math.BigDecimal(cell);
      case Types.VARBINARY, Types.BINARY -> Base64.getDecoder().decode(cell);
      case Types.ARRAY -> longs(JSON.readTree(cell));
      default -> cell;
    };
  }

  private static Object fromJson(JsonNode node, int type) {
    if (node.isNull()) {
      return null;
    }
    return switch (type) {
      case Types.INTEGER, Types.BIGINT, Types.SMALLINT, Types.TINYINT -> node.longValue();
      case Types.DOUBLE, Types.FLOAT, Types.REAL -> node.doubleValue();
      case Types.DECIMAL -> node.decimalValue();
      case Types.VARBINARY, Types.BINARY -> Base64.getDecoder().decode(node.asText());
      case Types.ARRAY -> longs(node);
      default -> node.asText();
    };
  }

  private static List<Long> longs(JsonNode array) {
    List<Long> list = new ArrayList<>();
    array.forEach(e -> list.add(e.longValue()));
    return list;
  }

  /** Equality by value: bytes by content, decimals by number. */
  private static void assertValue(Object want, Object got, String where) {
    if (want instanceof byte[] bytes && got instanceof byte[] other) {
      assertArrayEquals(bytes, other, where);
    } else if (want instanceof java.math.BigDecimal decimal
        && got instanceof java.math.BigDecimal other) {
      assertEquals(0, decimal.compareTo(other), where + ": " + want + " vs " + got);
    } else {
      assertEquals(want, got, where);
    }
  }
}
