package org.deepbase.engine.measure;

import java.nio.FloatBuffer;

/**
 * Streams one unit's values and one hypothesis' annotations into a score.
 *
 * <p>The same accumulator serves the SQL aggregates (a record at a time), the inspection executor
 * (a batch of Arrow values at a time, unit after unit, no boxing) and a distributed engine ({@link
 * #merge} of partial states). Memory does not grow with the number of values added unless the
 * measure's documentation says so.
 *
 * <p>Some exact measures need a second look at the data ({@link #wantsAnotherPass()}): the caller
 * then calls {@link #startPass()} and adds the same values again. A caller that cannot (an SQL
 * aggregate) takes {@link #result()} after one pass, which is then an estimate whose interval holds
 * the exact score.
 */
public interface Accumulator extends java.io.Serializable {
  /**
   * Adds {@code records} records of {@code symbols} symbols each: the value of record r at symbol s
   * is {@code values.get(values.position() + r * symbols + s)}, likewise for annotations. Buffers
   * are read with absolute gets and left unchanged.
   */
  void add(FloatBuffer values, FloatBuffer annotations, int records, int symbols);

  /**
   * Adds a batch of one unit against one hypothesis, using what the unit and the hypothesis share
   * with every other pair of the batch. Measures that can compute from those shared statistics
   * override this; the default reads the values.
   */
  default void add(UnitBatch unit, FloatBuffer annotations, SharedStats.Hypothesis hypothesis) {
    add(unit.values(), annotations, unit.records(), unit.symbols());
  }

  /**
   * Returns the quantile at which this measure takes per-record thresholds of a unit, NaN when it
   * takes none (lets the caller compute a unit's moments together with those thresholds).
   */
  default double perRecordQuantile() {
    return Double.NaN;
  }

  /** Adds everything another accumulator of the same measure and parameters has seen. */
  void merge(Accumulator other);

  /** Returns the score of what was added. */
  Score result();

  /** Returns whether one more pass over the same values would make the result exact. */
  default boolean wantsAnotherPass() {
    return false;
  }

  /**
   * Returns whether the pass under way reads the annotations. A pass that only fixes a threshold
   * from the unit's values does not: the caller may then skip evaluating the hypotheses and pass an
   * empty buffer and {@link SharedStats.Hypothesis#none}.
   */
  default boolean readsAnnotations() {
    return true;
  }

  /** Starts the next pass; the values added after this are the same as in the first pass. */
  default void startPass() {
    throw new IllegalStateException(getClass().getSimpleName() + " is single-pass");
  }

  /**
   * Joins the state this accumulator may share with a sibling: the accumulator of the same measure
   * for the same unit and another hypothesis. What depends on the unit only is then kept and
   * computed once for the group. Called before any value is added; the default shares nothing.
   */
  default void shareWith(Accumulator sibling) {}

  /**
   * Says that the passes will add values of at most {@code records} records (the dataset's size): a
   * dataset-threshold measure can then prove early that its threshold lies above most values and
   * stop resizing those. Called before any value is added; the default ignores it.
   */
  default void expectRecordsAtMost(long records) {}

  /**
   * Returns the least value, on the unit's own grid, that the passes after this one may need
   * exactly. A caller may hand those passes, instead of the values it handed this one, the same
   * values with a 0 in every cell that is below the limit and not next to one at or above it (its
   * eight neighbours on the own grid: the corners of every bilinear block that can reach the
   * limit), provided no value it hands is negative. {@code NEGATIVE_INFINITY} (the default): later
   * passes need every value; {@code POSITIVE_INFINITY}: this accumulator takes no later pass.
   */
  default float laterPassesNeedFrom() {
    return Float.NEGATIVE_INFINITY;
  }
}
