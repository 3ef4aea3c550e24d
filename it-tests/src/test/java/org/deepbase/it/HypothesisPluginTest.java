package org.deepbase.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's own hypothesis, written against the documented SPI (one interface, a META-INF/services
 * entry), compiled into a jar of its own and put on the class path: DeepBase finds it with
 * ServiceLoader and inspects with it, without a fork.
 */
class HypothesisPluginTest {
  private static final String SOURCE =
      """
      package example;
      import java.util.List;
      import org.deepbase.engine.data.DatasetRecord;
      import org.deepbase.engine.hypothesis.Hypothesis;
      import org.deepbase.engine.hypothesis.HypothesisProvider;
      public final class Corners implements HypothesisProvider {
        public String domain() { return "generic"; }
        public List<Hypothesis> hypotheses() {
          return List.of(new Hypothesis() {
            public String name() { return "ghost_again"; }
            public String description() { return "input channel 0, from a plugin"; }
            public float[] annotate(DatasetRecord record) {
              float[] out = new float[80];
              record.input().duplicate().get(out); // channel 0 comes first in [3, 8, 10]
              return out;
            }
          });
        }
      }
      """;

  @Test
  void aProviderInItsOwnJarIsFoundAndUsed(@TempDir Path dir) throws Exception {
    Path src = Files.createDirectories(dir.resolve("src/example"));
    Files.writeString(src.resolve("Corners.java"), SOURCE);
    Path classes = Files.createDirectories(dir.resolve("classes"));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int status =
        javac.run(
            null,
            null,
            null,
            "-d",
            classes.toString(),
            "-cp",
            System.getProperty("java.class.path"),
            src.resolve("Corners.java").toString());
    assertEquals(0, status, "the plugin compiles against the SPI alone");
    Path jar = dir.resolve("corners.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      for (String entry : List.of("example/Corners.class", "example/Corners$1.class")) {
        out.putNextEntry(new JarEntry(entry));
        out.write(Files.readAllBytes(classes.resolve(entry)));
        out.closeEntry();
      }
      out.putNextEntry(
          new JarEntry("META-INF/services/org.deepbase.engine.hypothesis.HypothesisProvider"));
      out.write("example.Corners\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      out.closeEntry();
    }
    Path workspace = Files.createDirectories(dir.resolve("ws"));
    TorchFixtures.install(workspace, "models/planted_cnn", "datasets/shapes");

    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    try (URLClassLoader plugins = new URLClassLoader(new URL[] {jar.toUri().toURL()}, previous)) {
      thread.setContextClassLoader(plugins);
      try (Connection c = DriverManager.getConnection("jdbc:deepbase:" + workspace);
          Statement s = c.createStatement()) {
        try (ResultSet rs =
            s.executeQuery(
                "SELECT kind, description FROM hypotheses WHERE hypothesis = 'ghost_again'")) {
          assertTrue(rs.next(), "the plugin's hypothesis is listed");
          assertEquals("input channel 0, from a plugin", rs.getString(2));
        }
        try (ResultSet rs =
            s.executeQuery(
                "SELECT unit, score FROM TABLE(inspect(models => 'planted_cnn', "
                    + "units => 'conv1.*', hypotheses => 'ghost_again', measures => 'local_iou', dataset => 'shapes')) "
                    + "ORDER BY score DESC")) {
          assertTrue(rs.next());
          assertEquals(1, rs.getInt(1), "the planted ghost unit matches the plugin's ghost mask");
          assertEquals(1.0, rs.getDouble(2), 1e-9);
        }
      }
    } finally {
      thread.setContextClassLoader(previous);
    }
  }
}
