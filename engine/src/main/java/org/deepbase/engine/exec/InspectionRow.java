package org.deepbase.engine.exec;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One INSPECT result row.
 *
 * @param unit null for layer-level measures (probes)
 * @param ciLow lower end of the score's interval (equal to score when exact and complete)
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
    double ciHigh) {}
