package org.deepbase.cli;

import java.io.PrintStream;
import java.util.Locale;
import org.deepbase.engine.Progress;

/**
 * Prints progress with rate and ETA to a stream (stderr). Silent for tasks that finish within half
 * a second; at most four updates a second; on a terminal, updates overwrite one line.
 */
final class ConsoleProgress implements Progress {
  private static final long QUIET_NANOS = 500_000_000L;
  private static final long INTERVAL_NANOS = 250_000_000L;

  private final PrintStream out;
  private final boolean terminal = System.console() != null;
  private String task = "";
  private long started;
  private long lastPrint;
  private boolean printed;
  private long lastDone;

  ConsoleProgress(PrintStream out) {
    this.out = out;
  }

  @Override
  public synchronized void report(String task, long done, long total, String detail) {
    long now = System.nanoTime();
    if (!task.equals(this.task) || done < lastDone) {
      this.task = task;
      started = now;
      lastPrint = now;
      printed = false;
    }
    lastDone = done;
    boolean finished = done >= total;
    boolean due = now - started >= QUIET_NANOS && now - lastPrint >= INTERVAL_NANOS;
    if (!(due || finished && printed)) {
      return;
    }
    lastPrint = now;
    printed = true;
    double seconds = (now - started) / 1e9;
    double rate = done / seconds;
    double eta = (total - done) / rate;
    String line =
        String.format(
            Locale.ROOT,
            "%s: %d/%d (%.0f/s, ETA %.0fs)%s",
            task,
            done,
            total,
            rate,
            eta,
            detail.isEmpty() ? "" : " " + detail);
    if (terminal) {
      out.print("\r" + line + (finished ? "\n" : "   "));
    } else {
      out.println(line);
    }
    out.flush();
  }
}
