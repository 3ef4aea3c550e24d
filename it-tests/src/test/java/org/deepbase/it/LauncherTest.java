package org.deepbase.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The {@code deepbase} launcher script as a user runs it: the JVM collector it picks (the serial
 * one, whose heap follows live data; docs/design-notes.md, "The serial collector") and a user's
 * collector taking its place instead of clashing with it; the class-data archive it makes and maps
 * (docs/design-notes.md, "Class-data sharing").
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

  @Test
  void mapsTheCommandLinesClassesFromItsArchive() throws Exception {
    String out = help(Map.of("DEEPBASE_JAVA_OPTS", "-Xlog:class+load:stdout"));
    assertTrue(Files.isRegularFile(ARCHIVE), out);
    assertEquals("shared objects file", source(out, "org.deepbase.cli.Main"));
    assertEquals("shared objects file", source(out, "picocli.CommandLine"));
  }

  @Test
  void makesTheArchiveAgainWhenAJarIsNewer() throws Exception {
    help(Map.of());
    FileTime before = FileTime.fromMillis(System.currentTimeMillis() - 3_600_000L);
    // As after a rebuild: every jar on the class path is newer than the archive.
    Files.setLastModifiedTime(ARCHIVE, before);
    String out = help(Map.of("DEEPBASE_JAVA_OPTS", "-Xlog:class+load:stdout"));
    assertTrue(out.contains("Preparing the class-data archive"), out);
    assertTrue(Files.getLastModifiedTime(ARCHIVE).compareTo(before) > 0, out);
    assertEquals("shared objects file", source(out, "org.deepbase.cli.Main"));
  }

  @Test
  void runsWithoutTheArchiveWhenAskedTo() throws Exception {
    String out = help(Map.of("DEEPBASE_CDS", "0", "DEEPBASE_JAVA_OPTS", "-Xlog:class+load:stdout"));
    assertTrue(source(out, "org.deepbase.cli.Main").endsWith("deepbase-cli.jar"), out);
  }

  private static final Path ARCHIVE = ROOT.resolve("connectors/cli/target/deepbase.jsa");

  /** Where the JVM's class-load log says {@code className} came from. */
  private static String source(String log, String className) {
    Matcher m = Pattern.compile("\\] " + Pattern.quote(className) + " source: (.+)").matcher(log);
    assertTrue(m.find(), log);
    return m.group(1).strip();
  }

  /** Runs {@code deepbase --help} with {@code javaOpts}; returns the collector the JVM logs. */
  private static String collector(String javaOpts) throws Exception {
    String out = help(Map.of("DEEPBASE_JAVA_OPTS", (javaOpts + " -Xlog:gc:stdout").strip()));
    Matcher m = Pattern.compile("\\[gc\\] Using (\\w+)").matcher(out);
    assertTrue(m.find(), out);
    return m.group(1);
  }

  /** Runs {@code deepbase --help} with {@code environment}; returns its output and errors. */
  private static String help(Map<String, String> environment) throws Exception {
    // Without the command line's build the launcher would run Maven itself, inside this build.
    assertTrue(
        Files.isDirectory(ROOT.resolve("connectors/cli/target/lib")),
        "the cli module is packaged before the it-tests (mvn verify does)");
    ProcessBuilder builder =
        new ProcessBuilder(ROOT.resolve("deepbase").toString(), "--help").redirectErrorStream(true);
    builder.environment().remove("DEEPBASE_CDS");
    builder.environment().remove("DEEPBASE_JAVA_OPTS");
    builder.environment().putAll(environment);
    Process p = builder.start();
    String out = new String(p.getInputStream().readAllBytes(), UTF_8);
    assertTrue(p.waitFor(180, SECONDS), out);
    assertEquals(0, p.exitValue(), out);
    return out;
  }
}
