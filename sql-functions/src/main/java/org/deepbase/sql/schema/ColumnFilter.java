package org.deepbase.sql.schema;

import com.google.common.collect.Range;
import com.google.common.collect.RangeSet;
import com.google.common.collect.TreeRangeSet;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.IntPredicate;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What a scan's WHERE clause allows for one column: a set of strings, or a set of integer ranges. A
 * column without a filter allows everything.
 */
public final class ColumnFilter {
  private @Nullable Set<String> strings;
  private @Nullable RangeSet<Integer> ints;

  /** Restricts a string column to the given values (intersecting with earlier restrictions). */
  void restrictStrings(Set<String> values) {
    if (strings == null) {
      strings = new LinkedHashSet<>(values);
    } else {
      strings.retainAll(values);
    }
  }

  /** Restricts an integer column to the given ranges (intersecting with earlier restrictions). */
  void restrictInts(RangeSet<Integer> ranges) {
    if (ints == null) {
      ints = TreeRangeSet.create(ranges);
    } else {
      ints.removeAll(ranges.complement());
    }
  }

  /** Returns the integer ranges allowed, or null when the column is not restricted to ranges. */
  @Nullable RangeSet<Integer> ranges() {
    return ints;
  }

  /** Returns whether the column was filtered at all. */
  public boolean isRestricted() {
    return strings != null || ints != null;
  }

  /** Returns the allowed strings, or null when unrestricted. */
  public @Nullable Set<String> strings() {
    return strings;
  }

  /** Returns whether a string value is allowed. */
  public boolean allows(String value) {
    return strings == null || strings.contains(value);
  }

  /** Returns whether an integer value is allowed. */
  public boolean allows(int value) {
    return ints == null || ints.contains(value);
  }

  /** Returns the allowed integers when they are finitely many single points, else null. */
  public @Nullable Set<Integer> points() {
    if (ints == null) {
      return null;
    }
    Set<Integer> points = new LinkedHashSet<>();
    for (Range<Integer> r : ints.asRanges()) {
      if (!r.hasLowerBound() || !r.hasUpperBound()) {
        return null;
      }
      int lo =
          r.lowerEndpoint()
              + (r.lowerBoundType() == com.google.common.collect.BoundType.OPEN ? 1 : 0);
      int hi =
          r.upperEndpoint()
              - (r.upperBoundType() == com.google.common.collect.BoundType.OPEN ? 1 : 0);
      if (hi - lo > 10_000) {
        return null;
      }
      for (int i = lo; i <= hi; i++) {
        points.add(i);
      }
    }
    return points;
  }

  /** Returns the filter as a predicate over integers. */
  public IntPredicate asIntPredicate() {
    RangeSet<Integer> copy = ints;
    return copy == null ? i -> true : copy::contains;
  }

  @Override
  public String toString() {
    return strings != null ? strings.toString() : String.valueOf(ints);
  }
}
