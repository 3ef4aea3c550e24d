package org.deepbase.engine.catalog;

import java.util.List;

/** Shape arithmetic shared by the catalog and the extractor. */
public final class Shapes {
  private Shapes() {}

  /** Returns the number of elements of a shape. */
  public static int product(List<Integer> shape) {
    int n = 1;
    for (int d : shape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  /** Formats a shape as SQL users see it, e.g. {@code [16, 15, 19]}. */
  public static String format(List<Integer> shape) {
    return shape.toString();
  }
}
