package org.deepbase.sql.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.calcite.DataContext;
import org.apache.calcite.adapter.enumerable.EnumerableConvention;
import org.apache.calcite.adapter.enumerable.EnumerableRel;
import org.apache.calcite.adapter.enumerable.EnumerableRelImplementor;
import org.apache.calcite.adapter.enumerable.JavaRowFormat;
import org.apache.calcite.adapter.enumerable.PhysType;
import org.apache.calcite.adapter.enumerable.PhysTypeImpl;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Linq4j;
import org.apache.calcite.linq4j.tree.Blocks;
import org.apache.calcite.linq4j.tree.Expressions;
import org.apache.calcite.plan.RelOptCluster;
import org.apache.calcite.plan.RelOptCost;
import org.apache.calcite.plan.RelOptPlanner;
import org.apache.calcite.rel.AbstractRelNode;
import org.apache.calcite.rel.RelWriter;
import org.apache.calcite.rel.metadata.RelMetadataQuery;
import org.apache.calcite.rel.type.RelDataType;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.exec.InspectionRow;
import org.deepbase.engine.plan.InspectionRequest;
import org.deepbase.engine.plan.MeasureSpec;
import org.deepbase.sql.schema.DeepBaseSchema;
import org.deepbase.sql.schema.StatementCancellation;

/**
 * The fused inspection operator as a physical plan node: replaces an aggregate of affinity measures
 * over {@code behaviors JOIN annotations} and runs the same {@link
 * org.deepbase.engine.exec.Inspection} as INSPECT, producing the aggregate's rows. EXPLAIN shows it
 * as {@code FusedInspection(models=[..], units=[..], hypotheses=[..], measures=[..],
 * dataset=[..])}.
 */
public final class FusedInspection extends AbstractRelNode implements EnumerableRel {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final FusedSpec spec;
  private final @Nullable Binding binding;

  /**
   * Binds a prepared statement's {@code ?} values into the spec when it executes; its {@code
   * toString} shows the filters with their parameters, for EXPLAIN.
   */
  public interface Binding {
    /** Returns the spec for these values, or null when they select nothing. */
    @Nullable FusedSpec bind(DataContext parameters);
  }

  /**
   * Creates the operator.
   *
   * @param spec what it runs (for a statement with parameters: as planned, with stand-in values)
   * @param binding how parameters are bound at execution; null when the query has none
   */
  public FusedInspection(
      RelOptCluster cluster, RelDataType rowType, FusedSpec spec, @Nullable Binding binding) {
    super(cluster, cluster.traitSetOf(EnumerableConvention.INSTANCE));
    this.rowType = rowType;
    this.spec = spec;
    this.binding = binding;
  }

  /** {@inheritDoc} */
  @Override
  protected RelDataType deriveRowType() {
    return rowType;
  }

  /** {@inheritDoc} */
  @Override
  public RelWriter explainTerms(RelWriter pw) {
    if (binding != null) {
      return super.explainTerms(pw)
          .item("filters", binding.toString())
          .item("measures", spec.measures().stream().map(MeasureSpec::label).toList());
    }
    return super.explainTerms(pw)
        .item("models", join(spec.models()))
        .item("units", join(spec.units()))
        .item("hypotheses", spec.hypotheses())
        .item("measures", spec.measures().stream().map(MeasureSpec::label).toList())
        .item("dataset", spec.dataset());
  }

  /** Writes targets as INSPECT's arguments read them: {@code a,b@2}, {@code conv1.*,conv2.3}. */
  private static String join(List<?> targets) {
    return targets.stream().map(Object::toString).collect(java.util.stream.Collectors.joining(","));
  }

  /** {@inheritDoc} */
  @Override
  public @Nullable RelOptCost computeSelfCost(RelOptPlanner planner, RelMetadataQuery mq) {
    // No alternative exists once fused; keep the cost small so nothing above prefers another shape.
    return planner.getCostFactory().makeTinyCost();
  }

  /** {@inheritDoc} */
  @Override
  public double estimateRowCount(RelMetadataQuery mq) {
    return 100;
  }

  /** {@inheritDoc} */
  @Override
  public Result implement(EnumerableRelImplementor implementor, Prefer pref) {
    PhysType physType =
        PhysTypeImpl.of(implementor.getTypeFactory(), getRowType(), JavaRowFormat.ARRAY);
    if (binding != null) {
      return implementor.result(
          physType,
          Blocks.toBlock(
              Expressions.call(
                  FusedInspection.class,
                  "executeBound",
                  implementor.getRootExpression(),
                  implementor.stash(binding, Binding.class))));
    }
    String json;
    try {
      json = JSON.writeValueAsString(spec);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    return implementor.result(
        physType,
        Blocks.toBlock(
            Expressions.call(
                FusedInspection.class,
                "execute",
                implementor.getRootExpression(),
                Expressions.constant(json))));
  }

  /** Runs a fused inspection; called from generated code. */
  public static Enumerable<@Nullable Object[]> execute(DataContext root, String json) {
    try {
      return execute(root, JSON.readValue(json, FusedSpec.class));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Runs a fused inspection of a statement with parameters, bound to this execution's values;
   * called from generated code.
   */
  public static Enumerable<@Nullable Object[]> executeBound(DataContext root, Binding binding) {
    FusedSpec spec = binding.bind(root);
    // Planning accepted the shape with stand-in values, so values that do not bind select nothing
    // (a negative unit, two different datasets): the relational form's answer is no rows too.
    return spec == null ? Linq4j.emptyEnumerable() : execute(root, spec);
  }

  private static Enumerable<@Nullable Object[]> execute(DataContext root, FusedSpec spec) {
    // The relational form's semantics: every record, exact scores, the cache when it pays.
    InspectionRequest request =
        InspectionRequest.builder(spec.dataset())
            .models(spec.models())
            .units(spec.units())
            .hypotheses(spec.hypotheses())
            .measures(spec.measures())
            .build();
    List<InspectionRow> result =
        org.deepbase.engine.exec.InspectionEngine.of(DeepBaseSchema.settingsOf(root))
            .run(
                DeepBaseSchema.workspaceOf(root, "a fused inspection"),
                request,
                StatementCancellation.of(root),
                DeepBaseSchema.settingsOf(root));
    // Pivot: one output row per (model, checkpoint, layer, unit, hypothesis), one column per score.
    Map<List<Object>, Map<String, Double>> byKey = new LinkedHashMap<>();
    Map<List<Object>, InspectionRow> first = new HashMap<>();
    for (InspectionRow r : result) {
      if (r.skipped()) {
        // An aggregate over values it is not defined for is an error, as in the unfused plan.
        throw new DeepBaseException(
            ErrorCode.BAD_ARGUMENT,
            java.util.Objects.requireNonNull(r.note()).substring(InspectionRow.SKIPPED.length()));
      }
      List<Object> key =
          List.of(
              r.model(),
              r.checkpoint(),
              r.layer(),
              r.unit() == null ? -1 : r.unit(),
              r.hypothesis());
      byKey.computeIfAbsent(key, k -> new HashMap<>()).put(r.measure(), r.score());
      first.putIfAbsent(key, r);
    }
    List<@Nullable Object[]> rows = new ArrayList<>(byKey.size());
    byKey.forEach(
        (key, scores) -> {
          InspectionRow r = first.get(key);
          Object[] row = new Object[spec.columns().size()];
          for (int i = 0; i < row.length; i++) {
            FusedSpec.Column column = spec.columns().get(i);
            row[i] =
                column.key() == null
                    ? scores.get(spec.measures().get(column.score()).label())
                    : switch (column.key()) {
                      case MODEL -> r.model();
                      case CHECKPOINT -> r.checkpoint();
                      case LAYER -> r.layer();
                      case UNIT -> r.unit();
                      case HYPOTHESIS -> r.hypothesis();
                      case DATASET -> spec.dataset();
                    };
          }
          rows.add(row);
        });
    return Linq4j.asEnumerable(rows);
  }
}
