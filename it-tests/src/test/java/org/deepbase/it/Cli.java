package org.deepbase.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.checkerframework.checker.nullness.qual.Nullable;

/** Runs the {@code deepbase} command line in a fresh JVM, as a user's shell would. */
final class Cli {
  private Cli() {}

  /** Runs a command; returns {exit code, standard output, standard error}. */
  static String[] run(String... args) throws Exception {
    Process p =
        new ProcessBuilder(
                Jvm.command(Jvm.testClasspath(), List.of(), "org.deepbase.cli.Main", List.of(args)))
            .start();
    var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    String out = read(p.getInputStream());
    assertTrue(p.waitFor(180, TimeUnit.SECONDS));
    return new String[] {String.valueOf(p.exitValue()), out, err.join()};
  }

  /**
   * Runs {@code deepbase sql} on a workspace; returns its standard output (failing on an error).
   */
  static String sql(Path workspace, @Nullable String sql, String... options) throws Exception {
    List<String> args = new ArrayList<>(List.of("sql", "--workspace", workspace.toString()));
    if (sql != null) {
      args.addAll(List.of("-e", sql));
    }
    args.addAll(List.of(options));
    String[] result = run(args.toArray(new String[0]));
    assertEquals("0", result[0], result[1] + result[2]);
    return result[1];
  }

  private static String read(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
