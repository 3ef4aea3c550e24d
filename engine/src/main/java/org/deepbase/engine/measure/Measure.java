package org.deepbase.engine.measure;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;

/**
 * Every affinity measure DeepBase computes, by its SQL name: the one place measure names live.
 * Single-unit measures score one (unit, hypothesis) pair with an {@link Accumulator}; probe
 * measures score a whole layer with a probing classifier ({@link ProbeAccumulator}).
 */
public enum Measure {
  IOU("iou", Kind.THRESHOLD),
  LOCAL_IOU("local_iou", Kind.PER_RECORD_THRESHOLD),
  CORR("corr", Kind.CONTINUOUS),
  PRECISION("precision", Kind.THRESHOLD),
  RECALL("recall", Kind.THRESHOLD),
  F1("f1", Kind.THRESHOLD),
  MUTUAL_INFO("mutual_info", Kind.THRESHOLD),
  AUC("auc", Kind.CONTINUOUS),
  PROBE_ACCURACY("probe_accuracy", Kind.PROBE),
  PROBE_F1("probe_f1", Kind.PROBE);

  /** How a measure reads its data. */
  private enum Kind {
    THRESHOLD,
    PER_RECORD_THRESHOLD,
    CONTINUOUS,
    PROBE
  }

  private final String sqlName;
  private final Kind kind;

  Measure(String sqlName, Kind kind) {
    this.sqlName = sqlName;
    this.kind = kind;
  }

  /** Returns the name SQL and INSPECT use. */
  public String sqlName() {
    return sqlName;
  }

  /** Returns whether the measure scores a whole layer with a probing classifier. */
  public boolean isProbe() {
    return kind == Kind.PROBE;
  }

  /**
   * Returns whether the measure is defined only for binary hypotheses (0 or 1 at every symbol): the
   * IoUs, precision, recall, F1 and AUC. INSPECT skips such a measure for other hypotheses.
   */
  public boolean binaryOnly() {
    return this != CORR && this != MUTUAL_INFO && !isProbe();
  }

  /** Returns why the measure cannot score a hypothesis that has {@code value} at some symbol. */
  public String notBinary(float value) {
    return Annotations.notBinary(sqlName, value);
  }

  /** Returns whether the measure thresholds a unit at a quantile of all its values. */
  public boolean datasetThreshold() {
    return kind == Kind.THRESHOLD;
  }

  /** Returns the quantile a thresholded measure takes when none is given. */
  public double defaultQuantile() {
    return LocalIouAccumulator.DEFAULT_QUANTILE;
  }

  /** Returns whether the measure needs rows grouped by record (a per-record threshold). */
  public boolean perRecord() {
    return kind == Kind.PER_RECORD_THRESHOLD;
  }

  /**
   * Returns the heap one accumulator of this measure may hold, for admission control: measures with
   * a dataset-level threshold keep joint histograms over the values' range (~120 KB each measured
   * on conv activations); per-record and continuous ones keep a few numbers.
   */
  public long heapBytesPerPair() {
    return switch (kind) {
      case THRESHOLD -> 128 << 10;
      case CONTINUOUS -> this == AUC ? 128 << 10 : 1 << 10;
      case PER_RECORD_THRESHOLD -> 1 << 10;
      case PROBE -> 0; // per layer, see ProbeAccumulator
    };
  }

  /** Returns the single-unit measures (those with an {@link Accumulator}). */
  public static List<Measure> singleUnit() {
    return Arrays.stream(values()).filter(m -> !m.isProbe()).toList();
  }

  /** Returns the measure of a SQL name (any case), failing with the known names. */
  public static Measure of(String name) {
    String lower = name.trim().toLowerCase(Locale.ROOT);
    for (Measure m : values()) {
      if (m.sqlName.equals(lower)) {
        return m;
      }
    }
    throw new DeepBaseException(
        ErrorCode.BAD_ARGUMENT,
        "unknown measure '"
            + name
            + "'; known: "
            + Arrays.stream(values()).map(Measure::sqlName).toList());
  }

  /**
   * Creates the accumulator of a single-unit measure.
   *
   * @param quantile the threshold quantile for thresholded measures; NaN for the default
   * @param exact for dataset-threshold measures, whether to ask for a second pass that makes the
   *     score exact (otherwise one pass with a sketch and an interval)
   */
  public Accumulator create(double quantile, boolean exact) {
    return create(quantile, exact, false);
  }

  /**
   * Creates the accumulator of a single-unit measure.
   *
   * @param rawThreshold for dataset-threshold measures, take the threshold on the layer's own grid
   *     (see {@link ThresholdAccumulator})
   */
  public Accumulator create(double quantile, boolean exact, boolean rawThreshold) {
    double q = Double.isNaN(quantile) ? defaultQuantile() : quantile;
    return switch (this) {
      case IOU -> new ThresholdAccumulator(ThresholdStatistic.IOU, q, exact, rawThreshold);
      case PRECISION ->
          new ThresholdAccumulator(ThresholdStatistic.PRECISION, q, exact, rawThreshold);
      case RECALL -> new ThresholdAccumulator(ThresholdStatistic.RECALL, q, exact, rawThreshold);
      case F1 -> new ThresholdAccumulator(ThresholdStatistic.F1, q, exact, rawThreshold);
      case MUTUAL_INFO ->
          new ThresholdAccumulator(ThresholdStatistic.MUTUAL_INFO, q, exact, rawThreshold);
      case LOCAL_IOU -> new LocalIouAccumulator(q);
      case CORR -> new CorrelationAccumulator();
      case AUC -> new AucAccumulator();
      case PROBE_ACCURACY, PROBE_F1 ->
          throw new DeepBaseException(
              ErrorCode.BAD_ARGUMENT,
              sqlName
                  + " scores a whole layer: use it in INSPECT, not as an aggregate over one unit");
    };
  }
}
