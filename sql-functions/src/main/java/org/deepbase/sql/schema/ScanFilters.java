package org.deepbase.sql.schema;

import com.google.common.collect.BoundType;
import com.google.common.collect.ImmutableRangeSet;
import com.google.common.collect.Range;
import com.google.common.collect.RangeSet;
import com.google.common.collect.TreeRangeSet;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.calcite.plan.RelOptUtil;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.util.NlsString;
import org.apache.calcite.util.Sarg;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Splits the conjuncts a {@code ProjectableFilterableTable} receives into per-column filters.
 *
 * <p>Handles {@code col = literal}, {@code col IN (...)} (which Calcite sends as SEARCH with a
 * Sarg), an OR of such filters on one column (their union: {@code unit = 3 OR unit = 7}, as
 * SqlToRel writes a short IN list before simplification) and, on integer columns, comparisons and
 * ranges. Each conjunct it fully represents is removed from the list, so Calcite re-checks only
 * what remains.
 */
public final class ScanFilters {
  private final ColumnFilter[] columns;
  private org.apache.calcite.@Nullable DataContext parameters;

  private ScanFilters(int columnCount) {
    columns = new ColumnFilter[columnCount];
    for (int i = 0; i < columnCount; i++) {
      columns[i] = new ColumnFilter();
    }
  }

  /**
   * Consumes the conjuncts it can represent.
   *
   * @param filters the scan's filters; consumed ones are removed
   * @param stringColumns which column indexes hold strings (others hold integers)
   * @param consumable which column indexes the scan can filter on at all
   */
  public static ScanFilters consume(
      List<RexNode> filters, Set<Integer> stringColumns, Set<Integer> consumable) {
    return consume(filters, stringColumns, consumable, null);
  }

  /**
   * Consumes the conjuncts it can represent, comparisons with a statement's {@code ?} parameters
   * included: at scan time their values are in the DataContext ("?0", "?1", ...), so a prepared
   * {@code WHERE model = ? AND layer = ?} narrows the extraction like literals do.
   *
   * @param parameters the executing statement's context, or null at planning time (parameters
   *     unknown)
   */
  public static ScanFilters consume(
      List<RexNode> filters,
      Set<Integer> stringColumns,
      Set<Integer> consumable,
      org.apache.calcite.@Nullable DataContext parameters) {
    ScanFilters result = new ScanFilters(64);
    result.parameters = parameters;
    // Calcite hands over the whole WHERE as one AND: split it so each conjunct is judged alone.
    List<RexNode> conjuncts = new ArrayList<>();
    filters.forEach(f -> conjuncts.addAll(RelOptUtil.conjunctions(f)));
    filters.clear();
    for (RexNode conjunct : conjuncts) {
      if (!result.absorb(conjunct, stringColumns, consumable)) {
        filters.add(conjunct);
      }
    }
    return result;
  }

  /** Returns the filter of a column. */
  public ColumnFilter column(int index) {
    return columns[index];
  }

  private boolean absorb(RexNode node, Set<Integer> stringColumns, Set<Integer> consumable) {
    if (node.getKind() == SqlKind.OR) {
      return absorbUnion((RexCall) node, stringColumns, consumable);
    }
    if (!(node instanceof RexCall call) || call.getOperands().size() != 2) {
      return false;
    }
    RexNode left = call.getOperands().get(0);
    RexNode right = call.getOperands().get(1);
    SqlKind kind = call.getKind();
    if (!(left instanceof RexInputRef) && right instanceof RexInputRef) {
      RexNode swap = left;
      left = right;
      right = swap;
      kind = kind.reverse();
    }
    if (!(left instanceof RexInputRef ref) || !consumable.contains(ref.getIndex())) {
      return false;
    }
    int column = ref.getIndex();
    boolean isString = stringColumns.contains(column);
    if (right instanceof RexLiteral literal && kind == SqlKind.SEARCH) {
      return absorbSarg(column, isString, literal.getValueAs(Sarg.class));
    }
    Object constant = constant(right);
    if (constant == null) {
      return false;
    }
    if (isString) {
      if (kind != SqlKind.EQUALS || !(constant instanceof String value)) {
        return false;
      }
      columns[column].restrictStrings(Set.of(value));
      return true;
    }
    BigDecimal number =
        constant instanceof BigDecimal d
            ? d
            : constant instanceof Number n
                    && !(constant instanceof Double || constant instanceof Float)
                ? BigDecimal.valueOf(n.longValue())
                : null;
    if (number == null || number.stripTrailingZeros().scale() > 0) {
      return false;
    }
    int v = number.intValueExact();
    Range<Integer> range =
        switch (kind) {
          case EQUALS -> Range.singleton(v);
          case LESS_THAN -> Range.lessThan(v);
          case LESS_THAN_OR_EQUAL -> Range.atMost(v);
          case GREATER_THAN -> Range.greaterThan(v);
          case GREATER_THAN_OR_EQUAL -> Range.atLeast(v);
          default -> null;
        };
    if (range == null) {
      return false;
    }
    columns[column].restrictInts(ImmutableRangeSet.of(range));
    return true;
  }

  /** Absorbs an OR whose every disjunct is a filter this class represents, all on one column. */
  private boolean absorbUnion(RexCall or, Set<Integer> stringColumns, Set<Integer> consumable) {
    int column = -1;
    Set<String> strings = new HashSet<>();
    RangeSet<Integer> ints = TreeRangeSet.create();
    for (RexNode disjunct : or.getOperands()) {
      ScanFilters alone = new ScanFilters(columns.length);
      alone.parameters = parameters;
      if (!alone.absorb(disjunct, stringColumns, consumable)) {
        return false;
      }
      int restricted = alone.onlyRestrictedColumn();
      if (restricted < 0 || column >= 0 && restricted != column) {
        return false;
      }
      column = restricted;
      ColumnFilter f = alone.columns[column];
      if (f.strings() != null) {
        strings.addAll(f.strings());
      } else if (f.ranges() != null) {
        ints.addAll(f.ranges());
      } else {
        return false;
      }
    }
    if (column < 0) {
      return false;
    }
    if (stringColumns.contains(column)) {
      columns[column].restrictStrings(strings);
    } else {
      columns[column].restrictInts(ints);
    }
    return true;
  }

  /** Returns the one column this filter set restricts, or -1 when none or several. */
  private int onlyRestrictedColumn() {
    int found = -1;
    for (int i = 0; i < columns.length; i++) {
      if (columns[i].isRestricted()) {
        if (found >= 0) {
          return -1;
        }
        found = i;
      }
    }
    return found;
  }

  /**
   * Returns the value a comparison's other side stands for: a literal's, or a dynamic parameter's
   * (possibly cast, as Calcite types it) once the statement executes; null when unknown.
   */
  private @Nullable Object constant(RexNode node) {
    if (node instanceof RexLiteral literal) {
      if (literal.getTypeName().getFamily()
          == org.apache.calcite.sql.type.SqlTypeFamily.CHARACTER) {
        return literal.getValueAs(String.class);
      }
      return literal.getValueAs(BigDecimal.class);
    }
    RexNode inner = node;
    if (inner instanceof RexCall cast
        && cast.getKind() == SqlKind.CAST
        && cast.getOperands().size() == 1) {
      inner = cast.getOperands().get(0);
    }
    if (parameters != null && inner instanceof org.apache.calcite.rex.RexDynamicParam param) {
      Object value = parameters.get("?" + param.getIndex());
      return value instanceof NlsString nls ? nls.getValue() : value;
    }
    return null;
  }

  @SuppressWarnings({"rawtypes", "unchecked"})
  private boolean absorbSarg(int column, boolean isString, @Nullable Sarg sarg) {
    if (sarg == null
        || sarg.nullAs != org.apache.calcite.rex.RexUnknownAs.UNKNOWN
            && sarg.nullAs != org.apache.calcite.rex.RexUnknownAs.FALSE) {
      return false;
    }
    Set<Range> ranges = sarg.rangeSet.asRanges();
    if (isString) {
      Set<String> values = new HashSet<>();
      for (Range r : ranges) {
        if (!isSingleton(r)) {
          return false;
        }
        Object v = r.lowerEndpoint();
        values.add(v instanceof NlsString nls ? nls.getValue() : String.valueOf(v));
      }
      columns[column].restrictStrings(values);
      return true;
    }
    RangeSet<Integer> ints = TreeRangeSet.create();
    for (Range r : ranges) {
      Range<Integer> converted = toIntRange(r);
      if (converted == null) {
        return false;
      }
      ints.add(converted);
    }
    columns[column].restrictInts(ints);
    return true;
  }

  private static boolean isSingleton(Range<?> r) {
    return r.hasLowerBound()
        && r.hasUpperBound()
        && r.lowerBoundType() == BoundType.CLOSED
        && r.upperBoundType() == BoundType.CLOSED
        && r.lowerEndpoint().equals(r.upperEndpoint());
  }

  private static @Nullable Range<Integer> toIntRange(Range<?> r) {
    Integer lo = r.hasLowerBound() ? toInt(r.lowerEndpoint()) : null;
    Integer hi = r.hasUpperBound() ? toInt(r.upperEndpoint()) : null;
    if (r.hasLowerBound() && lo == null || r.hasUpperBound() && hi == null) {
      return null;
    }
    if (lo != null && hi != null) {
      return Range.range(lo, r.lowerBoundType(), hi, r.upperBoundType());
    } else if (lo != null) {
      return Range.downTo(lo, r.lowerBoundType());
    } else if (hi != null) {
      return Range.upTo(hi, r.upperBoundType());
    }
    return Range.all();
  }

  private static @Nullable Integer toInt(Object value) {
    if (value instanceof BigDecimal d && d.stripTrailingZeros().scale() <= 0) {
      return d.intValueExact();
    }
    if (value instanceof Number n) {
      return n.intValue();
    }
    return null;
  }
}
