package org.deepbase.engine.measure;

import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;

/** Checks the kind of annotation a measure accepts. */
final class Annotations {
  private Annotations() {}

  /** Returns whether a binary annotation is on; fails naming the measure for other values. */
  static boolean binary(String measure, float annotation) {
    if (annotation == 1f) {
      return true;
    }
    if (annotation == 0f) {
      return false;
    }
    throw new DeepBaseException(ErrorCode.BAD_ARGUMENT, notBinary(measure, annotation));
  }

  /** Returns why a binary measure cannot take a hypothesis with this value. */
  static String notBinary(String measure, float annotation) {
    return measure
        + " accepts binary annotations (0 or 1);"
        + " got "
        + annotation
        + ": use corr or mutual_info for continuous or categorical hypotheses";
  }
}
