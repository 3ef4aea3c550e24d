package org.deepbase.jdbc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.deepbase.queries.pacman.PlantedAgent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sqlline.SqlLine;

/** The interactive shell (sqlline) on an embedded workspace: discovery and a query. */
class ShellTest {
  @Test
  void tablesAndQueries(@TempDir Path dir) throws Exception {
    PlantedAgent.workspace(dir, "pacman", 31, 10);
    String script =
        "!tables\n!columns layers\n!describe models\n"
            + "SELECT count(*) AS conv_units FROM units WHERE layer LIKE 'conv%';\n!quit\n";
    SqlLine shell = new SqlLine();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    shell.setOutputStream(new java.io.PrintStream(out, true, StandardCharsets.UTF_8));
    shell.setErrorStream(new java.io.PrintStream(out, true, StandardCharsets.UTF_8));
    shell.begin(
        new String[] {
          "-u", "jdbc:deepbase:" + dir, "-d", DeepBaseDriver.class.getName(), "-n", "", "-p", ""
        },
        new ByteArrayInputStream(script.getBytes(StandardCharsets.UTF_8)),
        false);
    String text = out.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("behaviors") && text.contains("SYSTEM TABLE"), text);
    assertTrue(text.contains("80"), "16 + 32 + 32 conv units: " + text);
    assertTrue(!text.contains("Operation not yet supported"), text);
    assertTrue(text.contains("unit_count"), "!columns layers lists its columns: " + text);
    assertTrue(text.contains("input_shape"), "!describe models lists its columns: " + text);
  }
}
