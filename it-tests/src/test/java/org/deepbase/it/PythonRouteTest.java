package org.deepbase.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.deepbase.engine.security.Role;
import org.deepbase.engine.workspace.Workspace;
import org.deepbase.server.DeepBaseServer;
import org.deepbase.server.Users;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs docs/python.md's standard-library route as written: every {@code python} block of the page
 * that needs no extra package, in order, in Debian's python3, against a live server (Avatica JSON)
 * on a fresh workspace; then checks its scores equal the embedded driver's.
 */
class PythonRouteTest {
  private static final Pattern BLOCK = Pattern.compile("```python\\n(.*?)```", Pattern.DOTALL);

  @Test
  void theDocumentedWorkedExampleRuns(@TempDir Path dir) throws Exception {
    Workspace workspace = new Workspace(dir);
    Users.put(workspace, "alice", "s3cret-pw", Role.WRITER);
    Path repo = Path.of("..").toAbsolutePath().normalize();
    StringBuilder script = new StringBuilder();
    Matcher m = BLOCK.matcher(Files.readString(repo.resolve("docs/python.md")));
    while (m.find()) {
      if (!m.group(1).startsWith("# needs:")) {
        script.append(m.group(1)).append('\n');
      }
    }
    Path file = dir.resolve("route.py");
    Files.writeString(file, script);
    try (DeepBaseServer server =
        DeepBaseServer.start(
            new DeepBaseServer.Settings(dir, "127.0.0.1", 0, false)
                .withSerialization(DeepBaseServer.Serialization.json))) {
      ProcessBuilder python =
          new ProcessBuilder("/usr/bin/python3", file.toString())
              .directory(repo.toFile())
              .redirectErrorStream(true);
      python.environment().put("DEEPBASE_WORKSPACE", dir.toString());
      python.environment().put("DEEPBASE_URL", "http://127.0.0.1:" + server.port());
      python.environment().put("DEEPBASE_USER", "alice");
      python.environment().put("DEEPBASE_PASSWORD", "s3cret-pw");
      Process p = python.start();
      String output = new String(p.getInputStream().readAllBytes());
      assertTrue(p.waitFor(300, TimeUnit.SECONDS));
      assertEquals(0, p.exitValue(), output);

      List<String> printed = new ArrayList<>();
      Matcher unit = Pattern.compile("unit (\\d+): corr (\\S+)").matcher(output);
      while (unit.find()) {
        printed.add(unit.group(1) + "|" + unit.group(2));
      }
      List<String> embedded = new ArrayList<>();
      try (Connection c = DriverManager.getConnection("jdbc:deepbase:" + dir)) {
        for (String row :
            Rows.of(
                c,
                "SELECT unit, score FROM TABLE(inspect(models => 'tiny', units => '0.*', "
                    + "hypotheses => 'bright', measures => 'corr', dataset => 'tiny_set')) "
                    + "ORDER BY unit")) {
          String[] f = row.split("\\|");
          embedded.add(f[0] + "|" + String.format(Locale.ROOT, "%.6f", Double.parseDouble(f[1])));
        }
      }
      assertEquals(4, embedded.size(), output);
      assertEquals(embedded, printed, "the notebook's scores are the embedded driver's");
      assertTrue(output.contains("best unit: 2"), "the planted unit wins: " + output);
    }
  }
}
