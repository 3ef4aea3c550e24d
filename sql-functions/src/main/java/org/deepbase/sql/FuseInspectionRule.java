package org.deepbase.sql;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.calcite.DataContext;
import org.apache.calcite.plan.RelOptRuleCall;
import org.apache.calcite.plan.RelOptUtil;
import org.apache.calcite.plan.RelRule;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.Aggregate;
import org.apache.calcite.rel.core.AggregateCall;
import org.apache.calcite.rel.core.Filter;
import org.apache.calcite.rel.core.Join;
import org.apache.calcite.rel.core.JoinRelType;
import org.apache.calcite.rel.core.Project;
import org.apache.calcite.rel.core.TableScan;
import org.apache.calcite.rel.metadata.RelColumnOrigin;
import org.apache.calcite.rel.metadata.RelMetadataQuery;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexDynamicParam;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexShuttle;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.tools.RelBuilder;
import org.apache.calcite.util.Util;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.catalog.DatasetDescriptor;
import org.deepbase.engine.catalog.ModelDescriptor;
import org.deepbase.engine.measure.Measure;
import org.deepbase.engine.plan.MeasureSpec;
import org.deepbase.engine.plan.ModelTarget;
import org.deepbase.engine.plan.UnitTarget;
import org.deepbase.engine.workspace.Workspace;
import org.deepbase.sql.plan.FusedInspection;
import org.deepbase.sql.plan.FusedSpec;
import org.deepbase.sql.schema.AnnotationsTable;
import org.deepbase.sql.schema.BehaviorsTable;
import org.deepbase.sql.schema.ColumnFilter;
import org.deepbase.sql.schema.ScanFilters;
import org.immutables.value.Value;

/**
 * Rewrites the relational form of an inspection, {@code Aggregate(measures) <- Project <- [Filter]
 * <- Join(behaviors, annotations on dataset, record_id, symbol)}, into a {@link FusedInspection}:
 * the same operator INSPECT runs.
 *
 * <p>It fuses only when the fused operator computes exactly what the relational plan would: every
 * filter is on model, checkpoint, layer, unit, dataset or hypothesis and is an equality or IN list;
 * layers and hypotheses are named; each group is one (model, checkpoint, layer, unit, hypothesis)
 * over one dataset. Anything else is left to the relational path, which gives the same answers
 * slower.
 */
@Value.Enclosing
public class FuseInspectionRule extends RelRule<FuseInspectionRule.Config> {
  private static final List<String> BEHAVIOR_COLUMNS =
      List.of("model", "checkpoint", "layer", "unit", "dataset", "record_id", "symbol", "behavior");
  private static final List<String> ANNOTATION_COLUMNS =
      List.of("hypothesis", "dataset", "record_id", "symbol", "annotation");

  protected FuseInspectionRule(Config config) {
    super(config);
  }

  /** {@inheritDoc} */
  @Override
  public void onMatch(RelOptRuleCall call) {
    Aggregate aggregate = call.rel(0);
    Shape shape = shape(aggregate, call.getMetadataQuery());
    if (shape == null) {
      return;
    }
    // A prepared statement's ? values are unknown while planning: judge the query with a stand-in
    // value of each parameter's type, and bind the real ones when it executes.
    Map<Integer, RelDataType> parameters = parameters(shape.conditions());
    FusedSpec spec = resolve(shape, parameters.isEmpty() ? null : standIns(parameters));
    if (spec == null) {
      return;
    }
    FusedInspection.Binding binding =
        parameters.isEmpty() ? null : new Binding(shape, describe(shape.conditions()));
    // A logical project on top keeps the physical leaf out of the plan root: Volcano registers the
    // root twice when it already has the requested (ENUMERABLE) convention.
    RelNode fused =
        new FusedInspection(aggregate.getCluster(), aggregate.getRowType(), spec, binding);
    RelBuilder builder = call.builder().push(fused);
    call.transformTo(
        builder.project(builder.fields(), aggregate.getRowType().getFieldNames(), true).build());
  }

  /** Binds a fused inspection's parameters when its statement executes. */
  private record Binding(Shape shape, String filters) implements FusedInspection.Binding {
    @Override
    public @Nullable FusedSpec bind(DataContext parameters) {
      return resolve(shape, parameters);
    }

    @Override
    public String toString() {
      return filters;
    }
  }

  /** Returns the dynamic parameters the conditions use, by index, with their types. */
  private static Map<Integer, RelDataType> parameters(List<RexNode> conditions) {
    Map<Integer, RelDataType> found = new java.util.TreeMap<>();
    for (RexNode condition : conditions) {
      condition.accept(
          new org.apache.calcite.rex.RexVisitorImpl<Void>(true) {
            @Override
            public Void visitDynamicParam(RexDynamicParam param) {
              found.put(param.getIndex(), param.getType());
              return null;
            }
          });
    }
    return found;
  }

  /**
   * Returns a context answering each parameter with a value of its type that names nothing, so that
   * planning decides only what does not depend on the values (a model whose checkpoint is a
   * parameter must have its checkpoint filtered, for instance).
   */
  private static DataContext standIns(Map<Integer, RelDataType> parameters) {
    return new DataContext() {
      @Override
      public org.apache.calcite.schema.SchemaPlus getRootSchema() {
        throw new UnsupportedOperationException("planning");
      }

      @Override
      public org.apache.calcite.adapter.java.JavaTypeFactory getTypeFactory() {
        throw new UnsupportedOperationException("planning");
      }

      @Override
      public org.apache.calcite.linq4j.QueryProvider getQueryProvider() {
        throw new UnsupportedOperationException("planning");
      }

      @Override
      public @Nullable Object get(String name) {
        if (!name.startsWith("?")) {
          return null;
        }
        RelDataType type = parameters.get(Integer.parseInt(name.substring(1)));
        if (type == null) {
          return null;
        }
        return org.apache.calcite.sql.type.SqlTypeUtil.isCharacter(type) ? "\u0000" + name : 0;
      }
    };
  }

  /** Writes the conditions over the virtual row's names, for EXPLAIN. */
  private static String describe(List<RexNode> conditions) {
    List<String> described = new ArrayList<>();
    for (RexNode condition : conditions) {
      String text = condition.toString();
      for (int i = NAMES.size() - 1; i >= 0; i--) {
        text = text.replace("$" + i, NAMES.get(i));
      }
      described.add(text);
    }
    return String.join(", ", described);
  }

  /** Column names of the virtual row: behaviors' columns (0..7), then annotations' (8..12). */
  private static final List<String> NAMES =
      java.util.stream.Stream.concat(
              BEHAVIOR_COLUMNS.stream().map(c -> "b." + c),
              ANNOTATION_COLUMNS.stream().map(c -> "a." + c))
          .toList();

  /** The subtree under the aggregate, expressed over the virtual row. */
  private record Origins(
      Workspace workspace, List<RexNode> filters, List<RexNode> joinConditions) {}

  private static int index(String name) {
    return NAMES.indexOf(name);
  }

  /** What fusion needs from the plan before any parameter value is known. */
  private record Shape(
      Workspace workspace,
      List<RexNode> conditions,
      Set<FusedSpec.Key> grouped,
      List<FusedSpec.Column> outputs,
      List<MeasureSpec> measures) {}

  /** Returns the query's shape when it is one the fused operator can run; null otherwise. */
  private static @Nullable Shape shape(Aggregate aggregate, RelMetadataQuery mq) {
    if (aggregate.getGroupSets().size() != 1) {
      return null;
    }
    RelNode input = aggregate.getInput().stripped();
    Origins origins = collect(input, mq);
    if (origins == null || !joinsOnSymbols(origins.joinConditions())) {
      return null;
    }
    // Group keys must be inspection keys.
    List<FusedSpec.Column> outputs = new ArrayList<>();
    Set<FusedSpec.Key> grouped = new HashSet<>();
    for (int field : aggregate.getGroupSet()) {
      int o = origin(input, field, mq);
      if (o < 0) {
        return null;
      }
      String name = NAMES.get(o);
      FusedSpec.Key key =
          switch (name) {
            case "b.model" -> FusedSpec.Key.MODEL;
            case "b.checkpoint" -> FusedSpec.Key.CHECKPOINT;
            case "b.layer" -> FusedSpec.Key.LAYER;
            case "b.unit" -> FusedSpec.Key.UNIT;
            case "a.hypothesis" -> FusedSpec.Key.HYPOTHESIS;
            case "b.dataset", "a.dataset" -> FusedSpec.Key.DATASET;
            default -> null;
          };
      if (key == null) {
        return null;
      }
      outputs.add(FusedSpec.Column.key(key));
      grouped.add(key);
    }
    List<MeasureSpec> measures = new ArrayList<>();
    for (AggregateCall c : aggregate.getAggCallList()) {
      MeasureSpec measure = measureSpec(c, input, mq);
      if (measure == null) {
        return null;
      }
      if (!measures.contains(measure)) {
        measures.add(measure);
      }
      outputs.add(FusedSpec.Column.score(measures.indexOf(measure)));
    }
    return new Shape(
        origins.workspace(), List.copyOf(origins.filters()), grouped, outputs, measures);
  }

  /**
   * Returns what the fused operator runs for a shape, its filters' parameters taken from {@code
   * parameters} (null: none); null when the filters are not all ones it applies exactly.
   */
  private static @Nullable FusedSpec resolve(Shape shape, @Nullable DataContext parameters) {
    // Every filter conjunct must be one the fused operator applies exactly.
    List<RexNode> conditions = new ArrayList<>(shape.conditions());
    Set<Integer> strings = new HashSet<>();
    for (String c : List.of("b.model", "b.layer", "b.dataset", "a.hypothesis", "a.dataset")) {
      strings.add(index(c));
    }
    Set<Integer> consumable = new HashSet<>(strings);
    consumable.add(index("b.checkpoint"));
    consumable.add(index("b.unit"));
    ScanFilters filters = ScanFilters.consume(conditions, strings, consumable, parameters);
    if (!conditions.isEmpty()) {
      return null;
    }
    ColumnFilter models = filters.column(index("b.model"));
    ColumnFilter checkpoints = filters.column(index("b.checkpoint"));
    ColumnFilter layers = filters.column(index("b.layer"));
    ColumnFilter units = filters.column(index("b.unit"));
    ColumnFilter hypotheses = filters.column(index("a.hypothesis"));
    if (models.strings() == null
        || layers.strings() == null
        || hypotheses.strings() == null
        || checkpoints.isRestricted() && checkpoints.points() == null
        || units.isRestricted() && units.points() == null) {
      return null;
    }
    Set<FusedSpec.Key> grouped = shape.grouped();
    if (!(grouped.contains(FusedSpec.Key.UNIT)
            || units.points() != null && units.points().size() == 1)
        || !(grouped.contains(FusedSpec.Key.LAYER) || layers.strings().size() == 1)
        || !(grouped.contains(FusedSpec.Key.HYPOTHESIS) || hypotheses.strings().size() == 1)
        || !(grouped.contains(FusedSpec.Key.MODEL) || models.strings().size() == 1)) {
      return null;
    }
    Workspace workspace = shape.workspace();
    String dataset = dataset(workspace, filters, models);
    List<ModelTarget> modelTargets =
        models(workspace, models, checkpoints, grouped.contains(FusedSpec.Key.CHECKPOINT));
    if (dataset == null || modelTargets == null) {
      return null;
    }
    if (units.points() != null && units.points().stream().anyMatch(u -> u < 0)) {
      return null; // no such unit: the relational path returns no rows for it
    }
    List<UnitTarget> unitTargets = new ArrayList<>();
    for (String layer : new java.util.TreeSet<>(layers.strings())) {
      if (units.points() == null) {
        unitTargets.add(UnitTarget.allOf(layer));
      } else {
        units.points().forEach(u -> unitTargets.add(UnitTarget.of(layer, u)));
      }
    }
    return new FusedSpec(
        modelTargets,
        unitTargets,
        new ArrayList<>(hypotheses.strings()),
        shape.measures(),
        dataset,
        shape.outputs());
  }

  /** Returns the virtual column of a field of {@code node}, or -1 when it is computed. */
  private static int origin(RelNode node, int field, RelMetadataQuery mq) {
    RelColumnOrigin origin = mq.getColumnOrigin(node, field);
    if (origin == null || origin.isDerived()) {
      return -1;
    }
    String table = Util.last(origin.getOriginTable().getQualifiedName());
    String column =
        origin.getOriginTable().getRowType().getFieldNames().get(origin.getOriginColumnOrdinal());
    return switch (table) {
      case "behaviors" -> index("b." + column);
      case "annotations" -> index("a." + column);
      default -> -1;
    };
  }

  /** Rewrites a condition over {@code input}'s fields into virtual columns, or null. */
  private static @Nullable RexNode toOrigins(
      RexNode condition, RelNode input, RelMetadataQuery mq) {
    boolean[] ok = {true};
    RexNode mapped =
        condition.accept(
            new RexShuttle() {
              @Override
              public RexNode visitInputRef(RexInputRef ref) {
                int o = origin(input, ref.getIndex(), mq);
                if (o < 0) {
                  ok[0] = false;
                  return ref;
                }
                return new RexInputRef(o, ref.getType());
              }
            });
    return ok[0] ? mapped : null;
  }

  /**
   * Collects the filters and the join condition of a subtree made only of projects, filters, one
   * inner join and the behaviors and annotations scans; null for any other shape.
   */
  private static @Nullable Origins collect(RelNode root, RelMetadataQuery mq) {
    List<RexNode> filters = new ArrayList<>();
    List<RexNode> joins = new ArrayList<>();
    Workspace workspace = null;
    int behaviorScans = 0;
    int annotationScans = 0;
    List<RelNode> stack = new ArrayList<>(List.of(root));
    while (!stack.isEmpty()) {
      RelNode node = stack.remove(stack.size() - 1).stripped();
      if (node instanceof Filter f) {
        RexNode c = toOrigins(f.getCondition(), f.getInput().stripped(), mq);
        if (c == null) {
          return null;
        }
        filters.addAll(RelOptUtil.conjunctions(c));
      } else if (node instanceof Join j) {
        if (j.getJoinType() != JoinRelType.INNER || !joins.isEmpty()) {
          return null;
        }
        RexNode c = toOrigins(j.getCondition(), j, mq);
        if (c == null) {
          return null;
        }
        joins.addAll(RelOptUtil.conjunctions(c));
      } else if (node instanceof TableScan scan) {
        BehaviorsTable behaviors = scan.getTable().unwrap(BehaviorsTable.class);
        if (behaviors != null) {
          workspace = behaviors.workspace();
          behaviorScans++;
        } else if (scan.getTable().unwrap(AnnotationsTable.class) != null) {
          annotationScans++;
        } else {
          return null;
        }
      } else if (!(node instanceof Project)) {
        return null;
      }
      stack.addAll(node.getInputs());
    }
    if (behaviorScans != 1 || annotationScans != 1 || joins.isEmpty() || workspace == null) {
      return null;
    }
    return new Origins(workspace, filters, joins);
  }

  /** Returns whether the join condition is exactly dataset, record_id and symbol equalities. */
  private static boolean joinsOnSymbols(List<RexNode> conditions) {
    Set<String> joined = new HashSet<>();
    for (RexNode c : conditions) {
      if (!(c instanceof RexCall eq)
          || eq.getKind() != SqlKind.EQUALS
          || !(eq.getOperands().get(0) instanceof RexInputRef x)
          || !(eq.getOperands().get(1) instanceof RexInputRef y)) {
        return false;
      }
      String nx = NAMES.get(x.getIndex());
      String ny = NAMES.get(y.getIndex());
      if (!nx.substring(2).equals(ny.substring(2)) || nx.charAt(0) == ny.charAt(0)) {
        return false;
      }
      joined.add(nx.substring(2));
    }
    return joined.equals(Set.of("dataset", "record_id", "symbol"));
  }

  private static @Nullable MeasureSpec measureSpec(
      AggregateCall c, RelNode input, RelMetadataQuery mq) {
    Measure measure = MeasureRecordRule.measureOf(c);
    if (measure == null || c.isDistinct() || c.filterArg >= 0 || c.getArgList().size() < 2) {
      return null;
    }
    if (origin(input, c.getArgList().get(0), mq) != index("b.behavior")
        || origin(input, c.getArgList().get(1), mq) != index("a.annotation")) {
      return null;
    }
    if (c.getArgList().size() == 2) {
      return MeasureSpec.of(measure, Double.NaN);
    }
    // A quantile argument is a constant column of the project under the aggregate.
    if (!(input instanceof Project project)
        || !(project.getProjects().get(c.getArgList().get(2)) instanceof RexLiteral literal)
        || literal.getValueAs(BigDecimal.class) == null) {
      return null;
    }
    return MeasureSpec.of(measure, literal.getValueAs(BigDecimal.class).doubleValue());
  }

  /** Returns the single dataset the query reads, or null when that is not one dataset. */
  private static @Nullable String dataset(
      Workspace workspace, ScanFilters filters, ColumnFilter models) {
    Set<String> named = new HashSet<>();
    for (String side : List.of("b.dataset", "a.dataset")) {
      Set<String> points = filters.column(index(side)).strings();
      if (points != null) {
        if (!named.isEmpty()) {
          named.retainAll(points);
        } else {
          named.addAll(points);
        }
      }
    }
    if (named.size() == 1) {
      return named.iterator().next();
    }
    if (!named.isEmpty()) {
      return null;
    }
    // No dataset named: relational semantics read every dataset the model accepts.
    Map<String, ModelDescriptor> all = workspace.models();
    Set<String> compatible = new HashSet<>();
    for (String model : models.strings()) {
      ModelDescriptor m = all.get(model);
      if (m == null) {
        return null; // let the relational path report the unknown model
      }
      for (DatasetDescriptor d : workspace.datasets().values()) {
        if (d.inputShape().equals(m.inputShape())) {
          compatible.add(d.name());
        }
      }
    }
    return compatible.size() == 1 ? compatible.iterator().next() : null;
  }

  /** Returns the model targets, or null when the checkpoints are ambiguous. */
  private static @Nullable List<ModelTarget> models(
      Workspace workspace,
      ColumnFilter models,
      ColumnFilter checkpoints,
      boolean checkpointGrouped) {
    Set<Integer> points = checkpoints.points();
    if (points != null && points.size() > 1 && !checkpointGrouped) {
      return null;
    }
    List<ModelTarget> items = new ArrayList<>();
    for (String model : models.strings()) {
      if (points != null) {
        points.forEach(p -> items.add(ModelTarget.at(model, p)));
      } else if (checkpointGrouped) {
        items.add(ModelTarget.every(model));
      } else if (workspace.models().containsKey(model)
          && workspace.checkpoints(model).size() == 1) {
        items.add(ModelTarget.latest(model));
      } else {
        return null;
      }
    }
    return items;
  }

  /** Rule configuration. */
  @Value.Immutable
  public interface Config extends RelRule.Config {
    Config DEFAULT =
        ImmutableFuseInspectionRule.Config.builder()
            .build()
            .withOperandSupplier(
                b ->
                    b.operand(Aggregate.class)
                        .predicate(
                            a ->
                                a.getAggCallList().stream()
                                    .anyMatch(c -> MeasureRecordRule.measureOf(c) != null))
                        .anyInputs())
            .as(Config.class);

    /** {@inheritDoc} */
    @Override
    default FuseInspectionRule toRule() {
      return new FuseInspectionRule(this);
    }
  }
}
