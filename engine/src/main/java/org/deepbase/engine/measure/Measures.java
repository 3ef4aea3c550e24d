package org.deepbase.engine.measure;

import java.util.List;

/** Creates the single-unit affinity measures by their SQL names (see {@link Measure}). */
public final class Measures {
  private Measures() {}

  /** Returns the SQL names of the single-unit measures. */
  public static List<String> names() {
    return Measure.singleUnit().stream().map(Measure::sqlName).toList();
  }

  /**
   * Creates an accumulator of a single-unit measure named in SQL.
   *
   * @see Measure#create(double, boolean)
   */
  public static Accumulator create(String name, double quantile, boolean exact) {
    return Measure.of(name).create(quantile, exact);
  }
}
