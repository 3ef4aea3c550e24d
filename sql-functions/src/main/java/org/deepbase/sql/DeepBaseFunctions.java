package org.deepbase.sql;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.calcite.adapter.enumerable.EnumerableRules;
import org.apache.calcite.plan.RelOptPlanner;
import org.apache.calcite.rel.metadata.DefaultRelMetadataProvider;
import org.apache.calcite.rel.rules.CoreRules;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.runtime.Hook;
import org.apache.calcite.schema.AggregateFunction;
import org.apache.calcite.schema.SchemaPlus;
import org.apache.calcite.schema.impl.AggregateFunctionImpl;
import org.apache.calcite.sql.SqlAggFunction;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.sql.type.OperandTypes;
import org.apache.calcite.sql.type.ReturnTypes;
import org.apache.calcite.sql.type.SqlTypeFamily;
import org.apache.calcite.sql.validate.SqlUserDefinedAggFunction;
import org.apache.calcite.tools.Program;
import org.apache.calcite.tools.Programs;
import org.apache.calcite.util.Holder;
import org.apache.calcite.util.Optionality;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Registers DeepBase's SQL functions in a schema and its planner program in Calcite.
 */
public final class DeepBaseFunctions {
  private static final AggregateFunction BY_RECORD = AggregateFunctionImpl.create(MeasureByRecord.class);
  /** SQL name of each measure function class (two- and three-argument forms). */
  private static final Map<Class<?>, String> MEASURES = Map.ofEntries(
      Map.entry(MeasureFunction.Iou.class, "iou"),
      Map.entry(MeasureFunction.LocalIou.class, "local_iou"),
      Map.entry(MeasureFunction.Corr.class, "corr"),
      Map.entry(MeasureFunction.Precision.class, "precision"),
      Map.entry(MeasureFunction.Recall.class, "recall"),
      Map.entry(MeasureFunction.F1.class, "f1"),
      Map.entry(MeasureFunction.MutualInfo.class, "mutual_info"),
      Map.entry(MeasureFunction.Auc.class, "auc"),
      Map.entry(MeasureAtQuantileFunction.Iou.class, "iou"),
      Map.entry(MeasureAtQuantileFunction.LocalIou.class, "local_iou"),
      Map.entry(MeasureAtQuantileFunction.Precision.class, "precision"),
      Map.entry(MeasureAtQuantileFunction.Recall.class, "recall"),
      Map.entry(MeasureAtQuantileFunction.F1.class, "f1"),
      Map.entry(MeasureAtQuantileFunction.MutualInfo.class, "mutual_info"));
  private static final AtomicBoolean PLANNER_INSTALLED = new AtomicBoolean();

  private DeepBaseFunctions() {
  }

  /** Adds the affinity aggregates to a schema (the connection's default, so calls need no prefix). */
  public static void register(SchemaPlus schema) {
    MEASURES.forEach((type, name) -> schema.add(name, AggregateFunctionImpl.create(type)));
    schema.add("measure_by_record", BY_RECORD);
    schema.add("probe", org.apache.calcite.schema.impl.TableFunctionImpl.create(ProbeFunction.class, "probe"));
    for (String image : List.of("heatmap", "heatmap_overlay", "mask")) {
      schema.add(image, ContextFunction.of(ImageFunctions.class, image));
    }
    schema.add("inspect", org.apache.calcite.schema.impl.TableFunctionImpl.create(InspectFunction.class, "inspect"));
    schema.add("register_dataset", org.apache.calcite.schema.impl.TableFunctionImpl.create(
        RegisterDatasetFunction.class, "registerDataset"));
    installPlanner();
  }

  /**
   * Installs, once per JVM, the planner changes DeepBase queries need.
   *
   * <p>A Hep phase before Calcite's standard program gives the measures their record boundaries
   * deterministically (a Volcano rule would leave the un-rewritten call as a costed alternative).
   * Join commutation is removed: Calcite's hash join costs favour hashing the larger input, which
   * for behaviors ⋈ annotations would buffer every behavior row; as written, annotations (small) are
   * hashed and behaviors stream. Merge joins are removed for the same reason: they sort (buffer)
   * both inputs, and behaviors are never to be materialised.
   */
  static void installPlanner() {
    if (!PLANNER_INSTALLED.compareAndSet(false, true)) {
      return;
    }
    Program program = Programs.sequence(
        // First fuse what INSPECT's operator can run; what remains gets record boundaries.
        Programs.hep(List.of(FuseInspectionRule.Config.DEFAULT.toRule()), true, DefaultRelMetadataProvider.INSTANCE),
        Programs.hep(List.of(MeasureRecordRule.Config.DEFAULT.toRule()), true, DefaultRelMetadataProvider.INSTANCE),
        Programs.standard());
    Hook.PROGRAM.add((Holder<Program> holder) -> holder.set(program));
    Hook.PLANNER.add((RelOptPlanner planner) -> {
      planner.removeRule(CoreRules.JOIN_COMMUTE);
      planner.removeRule(EnumerableRules.ENUMERABLE_MERGE_JOIN_RULE);
    });
  }

  /** Returns the measure computed by an aggregate function class, or null. */
  static @Nullable String measureOf(Class<?> type) {
    return MEASURES.get(type);
  }

  /** Returns the SQL operator of {@code measure_by_record}, for the planner rule. */
  static SqlAggFunction byRecordOperator(RelDataTypeFactory typeFactory) {
    return new SqlUserDefinedAggFunction(new SqlIdentifier("measure_by_record", SqlParserPos.ZERO),
        ReturnTypes.DOUBLE_NULLABLE, null,
        OperandTypes.family(SqlTypeFamily.CHARACTER, SqlTypeFamily.NUMERIC, SqlTypeFamily.NUMERIC,
            SqlTypeFamily.NUMERIC, SqlTypeFamily.INTEGER),
        BY_RECORD, false, false, Optionality.FORBIDDEN, typeFactory);
  }
}
