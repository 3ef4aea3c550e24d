package org.deepbase.engine.plan;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;

/**
 * When an inspection may stop reading records before the end of its dataset.
 *
 * @param tolerance stop once every score's interval half-width is below it; NaN = no tolerance
 * @param topK with k > 0, stop once the k best units of every (hypothesis, measure) are separated
 *     from the others by their intervals; 0 = off
 * @param maxRecords read at most this many records (0 = all)
 */
public record StoppingRule(
    @JsonProperty("tolerance") double tolerance,
    @JsonProperty("topK") int topK,
    @JsonProperty("maxRecords") int maxRecords)
    implements java.io.Serializable {
  /** Read every record. */
  public static final StoppingRule EXHAUSTIVE = new StoppingRule(Double.NaN, 0, 0);

  public StoppingRule {
    if (!Double.isNaN(tolerance) && !(tolerance > 0)) {
      throw new DeepBaseException(
          ErrorCode.BAD_ARGUMENT, "tolerance must be positive, got " + tolerance);
    }
    if (topK < 0) {
      throw new DeepBaseException(ErrorCode.BAD_ARGUMENT, "top_k must be >= 0, got " + topK);
    }
    if (maxRecords < 0) {
      throw new DeepBaseException(
          ErrorCode.BAD_ARGUMENT, "max_records must be >= 0, got " + maxRecords);
    }
  }

  /** Returns whether reading may stop on the intervals, before the end of the records it covers. */
  public boolean stopsEarly() {
    return !Double.isNaN(tolerance) || topK > 0;
  }

  /** Returns whether a tolerance is set. */
  public boolean hasTolerance() {
    return !Double.isNaN(tolerance);
  }
}
