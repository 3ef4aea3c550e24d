package org.deepbase.engine.measure;

/**
 * A statistic of the thresholded unit ("fires" where its value exceeds T_u) against the annotation,
 * computed from the 2 x K contingency table of (fires, annotation class).
 */
enum ThresholdStatistic {
  /** |fire ∩ on| / |fire ∪ on| (NetDissect). */
  IOU,
  /** |fire ∩ on| / |fire|. */
  PRECISION,
  /** |fire ∩ on| / |on|. */
  RECALL,
  /** 2 |fire ∩ on| / (|fire| + |on|). */
  F1,
  /**
   * Mutual information, in bits, between fire and the annotation's class (any discrete annotation).
   */
  MUTUAL_INFO;

  /** Returns whether the statistic needs a binary annotation (class 1 = on). */
  boolean binary() {
    return this != MUTUAL_INFO;
  }

  /**
   * Computes the statistic; 0 where a denominator is empty.
   *
   * @param fire fire[c] = values of class c that fire
   * @param total total[c] = values of class c
   */
  double compute(double[] fire, double[] total) {
    if (this == MUTUAL_INFO) {
      return mutualInformation(fire, total);
    }
    double tp = fire[1];
    double fp = fire[0];
    double on = total[1];
    double union = on + fp;
    return switch (this) {
      case IOU -> ratio(tp, union);
      case PRECISION -> ratio(tp, tp + fp);
      case RECALL -> ratio(tp, on);
      case F1 -> ratio(2 * tp, tp + fp + on);
      case MUTUAL_INFO -> throw new AssertionError();
    };
  }

  private static double ratio(double a, double b) {
    return b <= 0 ? 0.0 : a / b;
  }

  private static double mutualInformation(double[] fire, double[] total) {
    double n = 0;
    double fired = 0;
    for (int c = 0; c < total.length; c++) {
      n += total[c];
      fired += fire[c];
    }
    if (n == 0) {
      return 0.0;
    }
    double mi = 0;
    for (int c = 0; c < total.length; c++) {
      mi += term(fire[c], fired, total[c], n) + term(total[c] - fire[c], n - fired, total[c], n);
    }
    return Math.max(0.0, mi);
  }

  /** p(f, c) log2(p(f, c) / (p(f) p(c))) from counts. */
  private static double term(double joint, double marginalF, double marginalC, double n) {
    if (joint <= 0) {
      return 0;
    }
    return joint / n * (Math.log(joint * n / (marginalF * marginalC)) / Math.log(2));
  }
}
