package org.deepbase.sql;

import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.plan.RelOptRuleCall;
import org.apache.calcite.plan.RelRule;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.Aggregate;
import org.apache.calcite.rel.core.AggregateCall;
import org.apache.calcite.rel.core.Project;
import org.apache.calcite.rel.metadata.RelColumnOrigin;
import org.apache.calcite.rel.metadata.RelMetadataQuery;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.schema.impl.AggregateFunctionImpl;
import org.apache.calcite.sql.SqlAggFunction;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.sql.validate.SqlUserDefinedAggFunction;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.measure.Measure;
import org.immutables.value.Value;

/**
 * Rewrites every affinity measure call {@code m(behavior, annotation [, quantile])} into {@code
 * measure_by_record('m', quantile, behavior, annotation, record_id)}, taking record_id from the
 * behaviors or annotations table under the aggregate.
 *
 * <p>Per-record thresholds (local_iou) need record boundaries, which the two-argument SQL form does
 * not carry. When no record_id column reaches the aggregate the argument is -1: measures that need
 * it then fail with a message saying what to join; the others do not care.
 */
@Value.Enclosing
public class MeasureRecordRule extends RelRule<MeasureRecordRule.Config> {

  protected MeasureRecordRule(Config config) {
    super(config);
  }

  /** {@inheritDoc} */
  @Override
  public void onMatch(RelOptRuleCall call) {
    Aggregate aggregate = call.rel(0);
    // Under Hep, inputs are HepRelVertex wrappers: strip them to see the real Project and source.
    RelNode input = aggregate.getInput().stripped();
    RexBuilder rex = aggregate.getCluster().getRexBuilder();
    RelDataType doubleType =
        rex.getTypeFactory()
            .createTypeWithNullability(
                rex.getTypeFactory().createSqlType(SqlTypeName.DOUBLE), true);
    RelDataType intType =
        rex.getTypeFactory()
            .createTypeWithNullability(
                rex.getTypeFactory().createSqlType(SqlTypeName.INTEGER), true);

    // Calcite skips aggregate rows with a NULL argument, so "absent" is -1, never NULL.
    // The new project sits on the source under the old one (which may have pruned record_id):
    // the old columns first, so group keys and other calls keep their ordinals.
    RelNode source = input instanceof Project project ? project.getInput().stripped() : input;
    List<RexNode> projects = new ArrayList<>();
    if (input instanceof Project project) {
      projects.addAll(project.getProjects());
    } else {
      for (int i = 0; i < input.getRowType().getFieldCount(); i++) {
        projects.add(RexInputRef.of(i, input.getRowType()));
      }
    }
    RexNode recordId = recordIdOf(source, call.getMetadataQuery(), rex, intType);
    List<AggregateCall> calls = new ArrayList<>();
    for (AggregateCall c : aggregate.getAggCallList()) {
      Measure measure = measureOf(c);
      if (measure == null) {
        calls.add(c);
        continue;
      }
      RexNode quantile =
          c.getArgList().size() > 2
              ? rex.makeCast(doubleType, projects.get(c.getArgList().get(2)))
              : rex.makeApproxLiteral(java.math.BigDecimal.valueOf(MeasureRows.DEFAULT));
      List<Integer> args = new ArrayList<>();
      args.add(projects.size());
      projects.add(rex.makeLiteral(measure.sqlName()));
      args.add(projects.size());
      projects.add(quantile);
      args.addAll(c.getArgList().subList(0, 2));
      args.add(projects.size());
      projects.add(recordId);
      calls.add(
          new CallTemplate(c, args, aggregate.getGroupCount())
              .toCall(DeepBaseFunctions.byRecordOperator(rex.getTypeFactory())));
    }
    RelNode newInput = call.builder().push(source).project(projects).build();
    call.transformTo(
        aggregate.copy(
            aggregate.getTraitSet(),
            newInput,
            aggregate.getGroupSet(),
            aggregate.getGroupSets(),
            calls));
  }

  private static RexNode recordIdOf(
      RelNode source, RelMetadataQuery mq, RexBuilder rex, RelDataType intType) {
    for (int i = 0; i < source.getRowType().getFieldCount(); i++) {
      @Nullable RelColumnOrigin origin = mq.getColumnOrigin(source, i);
      if (origin != null && !origin.isDerived()) {
        List<String> table = origin.getOriginTable().getQualifiedName();
        String column =
            origin
                .getOriginTable()
                .getRowType()
                .getFieldNames()
                .get(origin.getOriginColumnOrdinal());
        String name = table.get(table.size() - 1);
        if ("record_id".equals(column)
            && ("behaviors".equals(name) || "annotations".equals(name))) {
          return rex.makeCast(intType, RexInputRef.of(i, source.getRowType()));
        }
      }
    }
    return rex.makeExactLiteral(java.math.BigDecimal.valueOf(MeasureRows.NO_RECORD), intType);
  }

  /** Copies an aggregate call's flags onto a new function and argument list. */
  private record CallTemplate(AggregateCall call, List<Integer> args, int groupCount) {
    AggregateCall toCall(SqlAggFunction function) {
      return AggregateCall.create(
          function,
          call.isDistinct(),
          call.isApproximate(),
          call.ignoreNulls(),
          call.rexList,
          args,
          call.filterArg,
          call.distinctKeys,
          call.collation,
          call.getType(),
          call.getName());
    }
  }

  /** Returns the measure a call computes, or null when it is not an affinity measure. */
  static @Nullable Measure measureOf(AggregateCall c) {
    if (c.getAggregation() instanceof SqlUserDefinedAggFunction f
        && f.function instanceof AggregateFunctionImpl impl) {
      return DeepBaseFunctions.measureOf(impl.declaringClass);
    }
    return null;
  }

  /** Rule configuration. */
  @Value.Immutable
  public interface Config extends RelRule.Config {
    Config DEFAULT =
        ImmutableMeasureRecordRule.Config.builder()
            .build()
            .withOperandSupplier(
                b ->
                    b.operand(Aggregate.class)
                        .predicate(
                            a -> a.getAggCallList().stream().anyMatch(c -> measureOf(c) != null))
                        .anyInputs())
            .as(Config.class);

    /** {@inheritDoc} */
    @Override
    default MeasureRecordRule toRule() {
      return new MeasureRecordRule(this);
    }
  }
}
