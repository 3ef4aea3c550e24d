package org.deepbase.engine.measure;

import java.util.List;
import java.util.Locale;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;

/** Creates the single-unit affinity measures by their SQL names. */
public final class Measures {
  /** Measures whose parameter is a quantile (NaN means the default 0.995). */
  private static final List<String> NAMES = List.of("iou", "local_iou", "corr", "precision", "recall", "f1",
      "mutual_info", "auc");

  private Measures() {
  }

  /** Returns the names of the single-unit measures. */
  public static List<String> names() {
    return NAMES;
  }

  /**
   * Creates an accumulator.
   *
   * @param name the measure's SQL name
   * @param quantile the threshold quantile for thresholded measures; NaN for the default
   * @param exact for dataset-threshold measures, whether to ask for a second pass that makes the
   *     score exact (otherwise one pass with a sketch and an interval)
   */
  public static Accumulator create(String name, double quantile, boolean exact) {
    double q = Double.isNaN(quantile) ? LocalIouAccumulator.DEFAULT_QUANTILE : quantile;
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "iou" -> new ThresholdAccumulator(ThresholdStatistic.IOU, q, exact);
      case "precision" -> new ThresholdAccumulator(ThresholdStatistic.PRECISION, q, exact);
      case "recall" -> new ThresholdAccumulator(ThresholdStatistic.RECALL, q, exact);
      case "f1" -> new ThresholdAccumulator(ThresholdStatistic.F1, q, exact);
      case "mutual_info" -> new ThresholdAccumulator(ThresholdStatistic.MUTUAL_INFO, q, exact);
      case "local_iou" -> new LocalIouAccumulator(q);
      case "corr" -> new CorrelationAccumulator();
      case "auc" -> new AucAccumulator();
      default -> throw new DeepBaseException(ErrorCode.BAD_ARGUMENT, "unknown measure '" + name + "'; known: "
          + NAMES);
    };
  }

  /** Returns whether a measure needs rows grouped by record (a per-record threshold). */
  public static boolean perRecord(String name) {
    return "local_iou".equalsIgnoreCase(name);
  }
}
