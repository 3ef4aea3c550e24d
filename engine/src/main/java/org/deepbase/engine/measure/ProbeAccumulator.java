package org.deepbase.engine.measure;

import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;

/**
 * Accumulates samples for a probing classifier: at each (record, symbol), the values of all units
 * of a layer are the features and the annotation is the class (binary or up to {@link #MAX_CLASSES}
 * discrete values).
 *
 * <p>Probes must hold samples: memory is {@code maxSamples x units x 4} bytes. Past the cap, a
 * seeded reservoir sample (Vitter's algorithm R) keeps a uniform subset and {@link Result} reports
 * that it did. The score is k-fold cross-validated (seeded split) balanced accuracy (mean per-class
 * recall: chance is 1 / classes whatever the class balance) and macro F1 of a {@link
 * LogisticProbe}; unit importance is |coefficient| of a fit on all samples.
 */
public final class ProbeAccumulator implements java.io.Serializable {
  public static final int MAX_CLASSES = 16;

  /** Probe settings; {@code penalty} is "l1" or "l2". */
  public record Settings(String penalty, double lambda, int folds, long seed, int maxSamples)
      implements java.io.Serializable {
    public Settings {
      if (!penalty.equalsIgnoreCase("l1") && !penalty.equalsIgnoreCase("l2")) {
        throw new DeepBaseException(
            ErrorCode.BAD_ARGUMENT, "probe penalty must be 'l1' or 'l2', got '" + penalty + "'");
      }
      if (folds < 2) {
        throw new DeepBaseException(
            ErrorCode.BAD_ARGUMENT, "probe folds must be at least 2, got " + folds);
      }
      if (lambda < 0 || maxSamples < folds) {
        throw new DeepBaseException(
            ErrorCode.BAD_ARGUMENT, "probe needs lambda >= 0 and max_samples >= folds");
      }
    }

    /** Returns the heap a probe over {@code units} units holds: its samples. */
    public long heapBytes(int units) {
      return (long) maxSamples * (units * Float.BYTES + 16 + Integer.BYTES);
    }

    /** Returns the defaults: L2, lambda 1e-3, 5 folds, seed 42, 20,000 samples. */
    public static Settings defaults() {
      return new Settings("l2", 1e-3, 5, 42, 20_000);
    }
  }

  /**
   * A probe's scores.
   *
   * @param accuracy cross-validated balanced accuracy
   * @param f1 cross-validated macro F1
   * @param importance per-unit |coefficient|
   * @param samples samples used
   * @param seen samples offered
   * @param classes distinct annotation values
   */
  public record Result(
      double accuracy, double f1, double[] importance, int samples, long seen, int classes) {
    /** Returns whether the samples were a subsample of what was seen. */
    public boolean subsampled() {
      return seen > samples;
    }
  }

  private final Settings settings;
  private final int units;
  private final float[][] features;
  private final int[] labels;
  private final Map<Float, Integer> classes = new LinkedHashMap<>();
  private final Random reservoir;
  private int size;
  private long seen;

  public ProbeAccumulator(Settings settings, int units) {
    this.settings = settings;
    this.units = units;
    this.features = new float[settings.maxSamples()][];
    this.labels = new int[settings.maxSamples()];
    this.reservoir = new Random(settings.seed());
  }

  /**
   * Adds {@code records x symbols} samples: unit u's value at (r, s) is {@code
   * values[u].get(values[u].position() + r * symbols + s)}.
   */
  public void add(FloatBuffer[] values, FloatBuffer annotations, int records, int symbols) {
    if (values.length != units) {
      throw new IllegalArgumentException(values.length + " units, expected " + units);
    }
    int n = records * symbols;
    int a0 = annotations.position();
    for (int i = 0; i < n; i++) {
      int label = classOf(annotations.get(a0 + i));
      long index = seen++;
      int slot;
      if (index < features.length) {
        slot = (int) index;
        size++;
      } else {
        long pick = (long) (reservoir.nextDouble() * (index + 1));
        if (pick >= features.length) {
          continue;
        }
        slot = (int) pick;
      }
      float[] sample = new float[units];
      for (int u = 0; u < units; u++) {
        sample[u] = values[u].get(values[u].position() + i);
      }
      features[slot] = sample;
      labels[slot] = label;
    }
  }

  /**
   * Adds another accumulator's samples as if they had been offered here after this one's (a
   * reservoir of reservoirs: uniform when neither was subsampled, documented as approximate
   * otherwise).
   */
  public void merge(ProbeAccumulator other) {
    Float[] values = other.classes.keySet().toArray(new Float[0]);
    for (int i = 0; i < other.size; i++) {
      float[] sample = other.features[i];
      FloatBuffer[] columns = new FloatBuffer[units];
      for (int u = 0; u < units; u++) {
        columns[u] = FloatBuffer.wrap(sample, u, 1).slice();
      }
      add(columns, FloatBuffer.wrap(new float[] {values[other.labels[i]]}), 1, 1);
    }
    seen += other.seen - other.size;
  }

  private int classOf(float annotation) {
    Integer c = classes.get(annotation);
    if (c == null) {
      if (classes.size() == MAX_CLASSES || Float.isNaN(annotation)) {
        throw new DeepBaseException(
            ErrorCode.BAD_ARGUMENT,
            "probes accept discrete annotations with at most "
                + MAX_CLASSES
                + " distinct values; got another value "
                + annotation);
      }
      c = classes.size();
      classes.put(annotation, c);
    }
    return c;
  }

  /** Trains and cross-validates the probe. */
  public Result result() {
    int k = Math.max(classes.size(), 2);
    float[][] x = java.util.Arrays.copyOf(features, size);
    int[] y = java.util.Arrays.copyOf(labels, size);
    if (classes.size() < 2) {
      return new Result(0.0, 0.0, new double[units], size, seen, classes.size());
    }
    int[] fold = new int[size];
    int[] order = new Random(settings.seed()).ints(0, Integer.MAX_VALUE).limit(size).toArray();
    Integer[] byKey = new Integer[size];
    for (int i = 0; i < size; i++) {
      byKey[i] = i;
    }
    java.util.Arrays.sort(byKey, java.util.Comparator.comparingInt(i -> order[i]));
    for (int rank = 0; rank < size; rank++) {
      fold[byKey[rank]] = rank % settings.folds();
    }
    LogisticProbe.Penalty penalty =
        LogisticProbe.Penalty.valueOf(settings.penalty().toUpperCase(java.util.Locale.ROOT));
    // The folds' fits and the fit on all samples are independent: on all cores (each is
    // deterministic, so the result does not depend on the schedule).
    int folds = settings.folds();
    long[][][] perFold = new long[folds][k][k];
    double[][] importance = new double[1][];
    java.util.stream.IntStream.rangeClosed(0, folds)
        .parallel()
        .forEach(
            f -> {
              boolean[] train = new boolean[size];
              for (int i = 0; i < size; i++) {
                train[i] = f == folds || fold[i] != f;
              }
              LogisticProbe probe =
                  LogisticProbe.fit(
                      x, y, train, k, penalty, settings.lambda(), settings.seed() * 31 + f);
              if (f == folds) {
                importance[0] = probe.importance();
                return;
              }
              for (int i = 0; i < size; i++) {
                if (!train[i]) {
                  perFold[f][y[i]][probe.predict(x[i])]++;
                }
              }
            });
    long[][] confusion = new long[k][k];
    for (long[][] c : perFold) {
      for (int a = 0; a < k; a++) {
        for (int b = 0; b < k; b++) {
          confusion[a][b] += c[a][b];
        }
      }
    }
    return new Result(
        balancedAccuracy(confusion), macroF1(confusion), importance[0], size, seen, classes.size());
  }

  private static double balancedAccuracy(long[][] confusion) {
    double sum = 0;
    int present = 0;
    for (int c = 0; c < confusion.length; c++) {
      long total = java.util.Arrays.stream(confusion[c]).sum();
      if (total > 0) {
        sum += (double) confusion[c][c] / total;
        present++;
      }
    }
    return present == 0 ? 0 : sum / present;
  }

  private static double macroF1(long[][] confusion) {
    double sum = 0;
    int present = 0;
    for (int c = 0; c < confusion.length; c++) {
      long actual = java.util.Arrays.stream(confusion[c]).sum();
      long predicted = 0;
      for (long[] row : confusion) {
        predicted += row[c];
      }
      if (actual > 0) {
        sum += actual + predicted == 0 ? 0 : 2.0 * confusion[c][c] / (actual + predicted);
        present++;
      }
    }
    return present == 0 ? 0 : sum / present;
  }
}
