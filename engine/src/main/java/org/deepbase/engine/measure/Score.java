package org.deepbase.engine.measure;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A measure's result: the score, an interval that contains the exact score (equal to the score when
 * it is exact), how many (record, symbol) values were seen, and an optional warning.
 *
 * @param value the score, never NaN
 * @param ciLow lower end of the interval
 * @param ciHigh upper end of the interval
 * @param count values seen
 * @param warning why the score may mislead (e.g. constant input), or null
 */
public record Score(
    double value, double ciLow, double ciHigh, long count, @Nullable String warning) {
  public Score {
    if (Double.isNaN(value)) {
      throw new IllegalArgumentException("a score is never NaN");
    }
  }

  /** Creates an exact score. */
  public static Score exact(double value, long count) {
    return new Score(value, value, value, count, null);
  }
}
