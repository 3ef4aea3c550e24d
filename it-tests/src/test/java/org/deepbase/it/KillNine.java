package org.deepbase.it;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Runs a loop class in its own JVM and kills it with SIGKILL at a seeded random moment after its
 * first acknowledgement; returns what it acknowledged ("ack ..." lines printed after a statement
 * returned), the lines it printed while dying included.
 */
final class KillNine {
  private KillNine() {}

  /**
   * Runs {@code main} with {@code args} and kills it between {@code minMillis} and {@code minMillis
   * + spreadMillis} after its first acknowledgement.
   */
  static List<String> run(
      Class<?> main, Random random, int minMillis, int spreadMillis, String... args)
      throws Exception {
    Process p =
        new ProcessBuilder(
                Jvm.command(Jvm.testClasspath(), List.of("-Xmx1g"), main.getName(), List.of(args)))
            .redirectErrorStream(true)
            .start();
    List<String> acks = new ArrayList<>();
    StringBuilder other = new StringBuilder();
    long delay = minMillis + random.nextInt(spreadMillis);
    Thread killer = null;
    Thread watchdog = new Thread(() -> killAfter(p, 180_000), "kill-9-watchdog");
    watchdog.setDaemon(true);
    watchdog.start(); // a loop that never acknowledges must not hang the build
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      // Read to the end: the process dies by the kill, and what it printed before is read too.
      for (String line; (line = completeLine(in)) != null; ) {
        if (line.startsWith("ack ")) {
          acks.add(line.substring(4));
          if (killer == null) {
            // The kill is timed from the first acknowledgement, wherever the process is then.
            killer = new Thread(() -> killAfter(p, delay), "kill-9");
            killer.setDaemon(true);
            killer.start();
          }
        } else {
          other.append(line).append('\n');
        }
      }
    } finally {
      p.destroyForcibly();
      p.waitFor(60, TimeUnit.SECONDS);
    }
    assertFalse(acks.isEmpty(), main.getSimpleName() + " acknowledged nothing:\n" + other);
    return acks;
  }

  /**
   * Returns the next line that ended with its line feed, or null at the end. A line the kill cut
   * short (the process died while printing it) is not an acknowledgement: readLine would return it
   * as if whole.
   */
  private static String completeLine(BufferedReader in) throws java.io.IOException {
    StringBuilder line = new StringBuilder();
    for (int c; (c = in.read()) != -1; ) {
      if (c == '\n') {
        return line.toString();
      }
      line.append((char) c);
    }
    return null;
  }

  private static void killAfter(Process p, long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // SIGKILL through the process handle: Process.destroyForcibly would also close the pipe, and
    // the lines the process printed before dying (acknowledgements) would be lost to the reader.
    p.toHandle().destroyForcibly();
  }
}
