package org.deepbase.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.calcite.plan.RelOptRule;
import org.junit.jupiter.api.Test;

/**
 * {@link MeasureRecordRule} on its own: a measure call gains the record boundaries it needs ({@code
 * measure_by_record(name, quantile, behavior, annotation, record_id)}), from whichever table brings
 * record_id, or -1 when none does; other aggregates are left alone.
 */
class MeasureRecordRuleTest extends PlantedRuleTest {
  private static final RelOptRule RULE = MeasureRecordRule.Config.DEFAULT.toRule();

  @Test
  void measureGainsRecordIdFromTheJoin() throws Exception {
    String sql =
        "SELECT b.unit, local_iou(b.behavior, a.annotation, 0.99) AS s, COUNT(*) AS n"
            + " FROM behaviors b JOIN annotations a"
            + " ON b.dataset = a.dataset AND b.record_id = a.record_id AND b.symbol = a.symbol"
            + " WHERE b.model = 'pacman' AND b.layer = 'conv1' AND a.hypothesis = 'ghost' GROUP BY b.unit";
    String after = plans.after(sql, RULE);
    String aggregate =
        after.lines().filter(l -> l.contains("LogicalAggregate")).findFirst().orElseThrow();
    assertTrue(
        aggregate.contains("s=[measure_by_record(") && aggregate.contains("n=[COUNT()]"), after);
    assertFalse(after.contains("local_iou($"), after);
    // The measure's name and quantile become constant columns, record_id an integer column.
    assertTrue(
        after.contains("'local_iou'") && after.contains("CAST(0.99E0:DOUBLE):DOUBLE"), after);
    assertTrue(after.matches("(?s).*CAST\\(\\$\\d+\\):INTEGER.*"), after);
  }

  @Test
  void withoutRecordIdTheArgumentIsMinusOne() throws Exception {
    String sql = "SELECT corr(x, y) AS c FROM (VALUES (1.0, 2.0), (2.0, 3.5)) AS t(x, y)";
    String after = plans.after(sql, RULE);
    assertTrue(
        after.contains("measure_by_record(") && after.contains("'corr'") && after.contains("-1"),
        after);
  }

  @Test
  void otherAggregatesAreLeftAlone() throws Exception {
    String sql =
        "SELECT unit, SUM(behavior) AS s FROM behaviors"
            + " WHERE model = 'pacman' AND layer = 'conv1' GROUP BY unit";
    assertEquals(plans.before(sql), plans.after(sql, RULE));
  }
}
