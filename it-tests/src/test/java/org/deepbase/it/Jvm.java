package org.deepbase.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Command lines for a fresh JVM: this JDK's java, Arrow's opened java.nio, DJL offline. */
final class Jvm {
  private Jvm() {}

  /** Returns {@code java <flags> -cp <classpath> <main or source file> <args>}. */
  static List<String> command(
      String classpath, List<String> flags, String mainOrSource, List<String> args) {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens=java.base/java.nio=ALL-UNNAMED",
                "-Dai.djl.offline=true"));
    command.addAll(flags);
    command.addAll(List.of("-cp", classpath, mainOrSource));
    command.addAll(args);
    return command;
  }

  /**
   * Starts a client program of src/test/resources/client (a single source file) on a class path of
   * the jars in {@code jars}; its standard error goes to its standard output.
   */
  static Process client(Path jars, String source, String... args) throws IOException {
    return new ProcessBuilder(
            command(
                jarsIn(jars),
                List.of(),
                Path.of("src", "test", "resources", "client", source).toString(),
                List.of(args)))
        .redirectErrorStream(true)
        .start();
  }

  /** Runs a client program to its end; returns {exit code, output}. */
  static String[] runClient(Path jars, String source, String... args) throws Exception {
    Process p = client(jars, source, args);
    String output =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (!p.waitFor(180, java.util.concurrent.TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(source + " did not end in 180 s: " + output);
    }
    return new String[] {String.valueOf(p.exitValue()), output};
  }

  /** Returns the test JVM's own class path (every DeepBase module). */
  static String testClasspath() {
    return System.getProperty("java.class.path");
  }

  /** Returns a class path of every jar in a directory (a client's jars only). */
  static String jarsIn(Path dir) throws IOException {
    try (var files = Files.list(dir)) {
      return String.join(java.io.File.pathSeparator, files.map(Path::toString).toList());
    }
  }
}
