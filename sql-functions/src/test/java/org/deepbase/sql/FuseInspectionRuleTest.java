package org.deepbase.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.calcite.plan.RelOptRule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link FuseInspectionRule} on its own: which relational inspections become one {@code
 * FusedInspection} (plan in, plan out) and which it leaves to the relational path, because the
 * fused operator would not compute exactly what the plan asks.
 */
class FuseInspectionRuleTest extends PlantedRuleTest {
  private static final RelOptRule RULE = FuseInspectionRule.Config.DEFAULT.toRule();
  private static final String JOIN =
      " FROM behaviors b JOIN annotations a"
          + " ON b.dataset = a.dataset AND b.record_id = a.record_id AND b.symbol = a.symbol";

  @Test
  void fusesTheDocumentedForm() throws Exception {
    String sql =
        "SELECT b.layer, b.unit, a.hypothesis, iou(b.behavior, a.annotation) AS score"
            + JOIN
            + " WHERE b.model = 'pacman' AND b.layer IN ('conv1') AND a.hypothesis IN ('ghost', 'walls')"
            + " GROUP BY b.layer, b.unit, a.hypothesis";
    String before = plans.before(sql);
    String after = plans.after(sql, RULE);
    assertTrue(before.contains("LogicalJoin") && before.contains("LogicalAggregate"), before);
    assertTrue(
        after.contains(
            "FusedInspection(models=[pacman], units=[conv1.*], hypotheses=[[ghost, walls]], "
                + "measures=[[iou]], dataset=[pacman_test])"),
        after);
    assertFalse(after.contains("LogicalJoin") || after.contains("LogicalAggregate"), after);
    // The output keeps the query's column names and order.
    assertTrue(
        after.startsWith("LogicalProject(layer=[$0], unit=[$1], hypothesis=[$2], score=[$3])"),
        after);
  }

  @Test
  void namedUnitsCheckpointsAndQuantilesReachTheOperator() throws Exception {
    String sql =
        "SELECT b.unit, b.checkpoint, local_iou(b.behavior, a.annotation, 0.99) AS s, "
            + "corr(b.behavior, a.annotation) AS c"
            + JOIN
            + " WHERE b.model = 'pacman' AND b.checkpoint = 1 AND b.layer = 'conv2' AND b.unit IN (3, 7)"
            + " AND a.hypothesis = 'ghost' AND b.dataset = 'pacman_test'"
            + " GROUP BY b.unit, b.checkpoint";
    String after = plans.after(sql, RULE);
    assertTrue(
        after.contains(
            "FusedInspection(models=[pacman@1], units=[conv2.3,conv2.7], hypotheses=[[ghost]], "
                + "measures=[[local_iou(0.99), corr]], dataset=[pacman_test])"),
        after);
  }

  /**
   * Each query differs from a fusable one in one respect; the rule must leave its plan unchanged.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "a filter on the behavior value|b.model = 'pacman' AND b.layer = 'conv1' AND a.hypothesis = 'ghost' AND b.behavior > 0|b.unit",
        "a range of units (not a list)|b.model = 'pacman' AND b.layer = 'conv1' AND a.hypothesis = 'ghost' AND b.unit < 4|b.unit",
        "a group key that is no inspection key|b.model = 'pacman' AND b.layer = 'conv1' AND a.hypothesis = 'ghost'|b.unit, b.record_id",
        "no layer named|b.model = 'pacman' AND a.hypothesis = 'ghost'|b.layer, b.unit",
        "no hypothesis named|b.model = 'pacman' AND b.layer = 'conv1'|b.unit, a.hypothesis",
        "two checkpoints merged into one group|b.model = 'pacman' AND b.checkpoint IN (1, 2) AND b.layer = 'conv1' AND a.hypothesis = 'ghost'|b.unit",
        "two units merged into one group|b.model = 'pacman' AND b.layer = 'conv1' AND b.unit IN (1, 2) AND a.hypothesis = 'ghost'|b.layer",
        "an OR across two columns|b.model = 'pacman' AND b.layer = 'conv1' AND a.hypothesis = 'ghost' AND (b.unit = 3 OR b.checkpoint = 1)|b.unit",
        "an OR with a filter the operator cannot apply|b.model = 'pacman' AND b.layer = 'conv1' AND a.hypothesis = 'ghost' AND (b.unit = 3 OR b.behavior > 0)|b.unit",
        "an unknown model (the relational path names it)|b.model = 'nobody' AND b.layer = 'conv1' AND a.hypothesis = 'ghost'|b.unit",
      })
  void leavesWhatItCannotComputeExactly(String why, String where, String groupBy) throws Exception {
    String sql =
        "SELECT "
            + groupBy
            + ", iou(b.behavior, a.annotation) AS score"
            + JOIN
            + " WHERE "
            + where
            + " GROUP BY "
            + groupBy;
    assertUnchanged(sql, why);
  }

  @Test
  void leavesOtherJoinShapes() throws Exception {
    String where =
        " WHERE b.model = 'pacman' AND b.layer = 'conv1' AND a.hypothesis = 'ghost' GROUP BY b.unit";
    assertUnchanged(
        "SELECT b.unit, iou(b.behavior, a.annotation)"
            + JOIN.replace(" JOIN ", " LEFT JOIN ")
            + where,
        "an outer join");
    assertUnchanged(
        "SELECT b.unit, iou(b.behavior, a.annotation) FROM behaviors b JOIN annotations a"
            + " ON b.dataset = a.dataset AND b.record_id = a.record_id"
            + where,
        "a join that is not symbol by symbol");
    assertUnchanged(
        "SELECT b.unit, iou(b.behavior * 2, a.annotation)" + JOIN + where, "a computed behavior");
  }

  private void assertUnchanged(String sql, String why) throws Exception {
    String before = plans.before(sql);
    assertEquals(before, plans.after(sql, RULE), why);
  }
}
