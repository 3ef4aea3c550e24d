package org.deepbase.engine.exec;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One INSPECT result row.
 *
 * @param unit null for layer-level measures (probes) and for skipped pairs
 * @param score the score; NaN only in a {@link #skipped} row
 * @param ciLow lower end of the score's interval (equal to score when exact and complete)
 * @param note why the score may mislead, or why a (hypothesis, measure) pair was skipped; null when
 *     there is nothing to say
 */
public record InspectionRow(
    String model,
    int checkpoint,
    String layer,
    @Nullable Integer unit,
    String hypothesis,
    String measure,
    double score,
    long recordsUsed,
    double ciLow,
    double ciHigh,
    @Nullable String note) {

  /** The note that starts every skipped row's, followed by the reason. */
  public static final String SKIPPED = "skipped: ";

  /**
   * Creates the row that stands for a (layer, hypothesis, measure) the measure is not defined for:
   * no unit, no score, the reason in the note.
   */
  public static InspectionRow skipped(
      String model,
      int checkpoint,
      String layer,
      String hypothesis,
      String measure,
      long recordsUsed,
      String reason) {
    return new InspectionRow(
        model,
        checkpoint,
        layer,
        null,
        hypothesis,
        measure,
        Double.NaN,
        recordsUsed,
        Double.NaN,
        Double.NaN,
        SKIPPED + reason);
  }

  /** Returns whether this row stands for a skipped pair (it has no score). */
  public boolean skipped() {
    return note != null && note.startsWith(SKIPPED);
  }
}
