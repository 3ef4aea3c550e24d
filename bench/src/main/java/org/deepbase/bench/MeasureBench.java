package org.deepbase.bench;

import java.io.PrintStream;
import java.nio.FloatBuffer;
import java.util.Locale;
import java.util.Random;
import org.deepbase.engine.measure.Accumulator;
import org.deepbase.engine.measure.Measures;
import org.deepbase.engine.measure.ProbeAccumulator;

/**
 * Measures how many (unit, record, symbol) values per second each measure absorbs, on one batch of
 * a realistic layer: 64 units x 256 records x 285 symbols (a PacMan conv layer), ReLU-like values
 * and a sparse binary mask. Prints throughput and the ratio to corr, the simplest measure, so
 * regressions show up as ratios that do not depend on the machine's speed.
 */
public final class MeasureBench {
  static final int UNITS = 64;
  static final int RECORDS = 256;
  static final int SYMBOLS = 285;
  private static final int WARMUP = 2;
  private static final int RUNS = 5;

  private MeasureBench() {}

  /** Runs the benchmark and prints a table. */
  public static void run(PrintStream out) {
    int n = RECORDS * SYMBOLS;
    Random rng = new Random(1);
    float[][] values = new float[UNITS][n];
    float[] mask = new float[n];
    for (int i = 0; i < n; i++) {
      mask[i] = i % SYMBOLS == (i / SYMBOLS) % SYMBOLS ? 1 : 0;
    }
    for (int u = 0; u < UNITS; u++) {
      for (int i = 0; i < n; i++) {
        double v = rng.nextGaussian() + mask[i];
        values[u][i] = (float) Math.max(0, v);
      }
    }
    out.printf(
        Locale.ROOT,
        "measure throughput: one batch of %d units x %d records x %d symbols = %.1fM values%n",
        UNITS,
        RECORDS,
        SYMBOLS,
        UNITS * (double) n / 1e6);
    out.printf(Locale.ROOT, "%-14s %14s %10s%n", "measure", "Mvalues/s", "vs corr");
    double corr = 0;
    for (String measure :
        new String[] {
          "corr",
          "local_iou",
          "iou",
          "precision",
          "recall",
          "f1",
          "mutual_info",
          "auc",
          "iou (exact)"
        }) {
      boolean exact = measure.endsWith("(exact)");
      String name = exact ? measure.substring(0, measure.indexOf(' ')) : measure;
      double best = Double.MAX_VALUE;
      for (int run = 0; run < WARMUP + RUNS; run++) {
        long start = System.nanoTime();
        for (int u = 0; u < UNITS; u++) {
          Accumulator acc = Measures.create(name, Double.NaN, exact);
          acc.add(FloatBuffer.wrap(values[u]), FloatBuffer.wrap(mask), RECORDS, SYMBOLS);
          while (acc.wantsAnotherPass()) {
            acc.startPass();
            acc.add(FloatBuffer.wrap(values[u]), FloatBuffer.wrap(mask), RECORDS, SYMBOLS);
          }
          acc.result();
        }
        if (run >= WARMUP) {
          best = Math.min(best, (System.nanoTime() - start) / 1e9);
        }
      }
      double rate = UNITS * (double) n / best / 1e6;
      corr = measure.equals("corr") ? rate : corr;
      out.printf(Locale.ROOT, "%-14s %14.1f %9.2fx%n", measure, rate, rate / corr);
    }
    long start = System.nanoTime();
    ProbeAccumulator probe = new ProbeAccumulator(ProbeAccumulator.Settings.defaults(), UNITS);
    FloatBuffer[] columns = new FloatBuffer[UNITS];
    for (int u = 0; u < UNITS; u++) {
      columns[u] = FloatBuffer.wrap(values[u]);
    }
    probe.add(columns, FloatBuffer.wrap(mask), RECORDS, SYMBOLS);
    double addSeconds = (System.nanoTime() - start) / 1e9;
    start = System.nanoTime();
    ProbeAccumulator.Result r = probe.result();
    double fitSeconds = (System.nanoTime() - start) / 1e9;
    out.printf(
        Locale.ROOT,
        "%-14s %14.1f %10s  (sampling; then %d-fold training on %d samples took %.2fs,"
            + " balanced accuracy %.3f)%n",
        "probe",
        UNITS * (double) n / addSeconds / 1e6,
        "",
        ProbeAccumulator.Settings.defaults().folds(),
        r.samples(),
        fitSeconds,
        r.accuracy());
  }

  /** Runs from the command line. */
  public static void main(String[] args) {
    run(System.out);
  }
}
