package org.deepbase.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The {@code deepbase} launcher script as a user runs it: the JVM collector it picks (the serial
 * one, whose heap follows live data; docs/design-notes.md, "The serial collector") and a user's
 * collector taking its place instead of clashing with it.
 */
class LauncherTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @Test
  void runsTheSerialCollector() throws Exception {
    assertEquals("Serial", collector(""));
  }

  @Test
  void anOptionOfACollectorIsNotOne() throws Exception {
    // A flag whose name ends in GC (here a parallel collector's setting) picks no collector.
    assertEquals("Serial", collector("-XX:+UseMaximumCompactionOnSystemGC"));
  }

  @Test
  void aCollectorNamedInDeepbaseJavaOptsReplacesIt() throws Exception {
    // Two collectors on one command line stop the JVM ("Conflicting collector combinations").
    assertEquals("Parallel", collector("-XX:+UseParallelGC"));
    assertEquals("G1", collector("-Xmx1g -XX:+UseG1GC"));
  }

  /** Runs {@code deepbase --help} with {@code javaOpts}; returns the collector the JVM logs. */
  private static String collector(String javaOpts) throws Exception {
    // Without the command line's build the launcher would run Maven itself, inside this build.
    assertTrue(
        Files.isDirectory(ROOT.resolve("connectors/cli/target/lib")),
        "the cli module is packaged before the it-tests (mvn verify does)");
    ProcessBuilder builder =
        new ProcessBuilder(ROOT.resolve("deepbase").toString(), "--help").redirectErrorStream(true);
    builder.environment().put("DEEPBASE_JAVA_OPTS", (javaOpts + " -Xlog:gc:stdout").strip());
    Process p = builder.start();
    String out = new String(p.getInputStream().readAllBytes(), UTF_8);
    assertTrue(p.waitFor(120, SECONDS), out);
    assertEquals(0, p.exitValue(), out);
    Matcher m = Pattern.compile("\\[gc\\] Using (\\w+)").matcher(out);
    assertTrue(m.find(), out);
    return m.group(1);
  }
}
