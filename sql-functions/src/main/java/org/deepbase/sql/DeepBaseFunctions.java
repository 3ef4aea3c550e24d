package org.deepbase.sql;

import java.util.List;
import java.util.Map;
import org.apache.calcite.rel.metadata.DefaultRelMetadataProvider;
import org.apache.calcite.rel.type.RelDataTypeFactory;
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
import org.apache.calcite.util.Optionality;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.measure.Measure;

/**
 * Registers DeepBase's SQL functions in a schema; holds the planner program of DeepBase
 * connections.
 */
public final class DeepBaseFunctions {
  private static final AggregateFunction BY_RECORD =
      AggregateFunctionImpl.create(MeasureByRecord.class);

  /** The measure each measure function class computes (two- and three-argument forms). */
  private static final Map<Class<?>, Measure> MEASURES =
      Map.ofEntries(
          Map.entry(MeasureFunction.Iou.class, Measure.IOU),
          Map.entry(MeasureFunction.LocalIou.class, Measure.LOCAL_IOU),
          Map.entry(MeasureFunction.Corr.class, Measure.CORR),
          Map.entry(MeasureFunction.Precision.class, Measure.PRECISION),
          Map.entry(MeasureFunction.Recall.class, Measure.RECALL),
          Map.entry(MeasureFunction.F1.class, Measure.F1),
          Map.entry(MeasureFunction.MutualInfo.class, Measure.MUTUAL_INFO),
          Map.entry(MeasureFunction.Auc.class, Measure.AUC),
          Map.entry(MeasureAtQuantileFunction.Iou.class, Measure.IOU),
          Map.entry(MeasureAtQuantileFunction.LocalIou.class, Measure.LOCAL_IOU),
          Map.entry(MeasureAtQuantileFunction.Precision.class, Measure.PRECISION),
          Map.entry(MeasureAtQuantileFunction.Recall.class, Measure.RECALL),
          Map.entry(MeasureAtQuantileFunction.F1.class, Measure.F1),
          Map.entry(MeasureAtQuantileFunction.MutualInfo.class, Measure.MUTUAL_INFO));

  private DeepBaseFunctions() {}

  /**
   * Adds the affinity aggregates to a schema (the connection's default, so calls need no prefix).
   */
  public static void register(SchemaPlus schema) {
    MEASURES.forEach(
        (type, measure) -> schema.add(measure.sqlName(), AggregateFunctionImpl.create(type)));
    schema.add("measure_by_record", BY_RECORD);
    schema.add(
        "probe",
        org.apache.calcite.schema.impl.TableFunctionImpl.create(ProbeFunction.class, "probe"));
    schema.add(
        "overlap_ceiling",
        org.apache.calcite.schema.impl.ScalarFunctionImpl.create(
            CeilingFunctions.class, "overlap_ceiling"));
    for (String image : List.of("heatmap", "heatmap_overlay", "mask")) {
      schema.add(image, ContextFunction.of(ImageFunctions.class, image));
    }
    schema.add(
        "inspect",
        org.apache.calcite.schema.impl.TableFunctionImpl.create(InspectFunction.class, "inspect"));
    schema.add(
        "register_dataset",
        org.apache.calcite.schema.impl.TableFunctionImpl.create(
            RegisterDatasetFunction.class, "registerDataset"));
    for (FunctionProvider provider : java.util.ServiceLoader.load(FunctionProvider.class)) {
      provider.register(schema);
    }
  }

  /**
   * Returns the optimiser program of DeepBase connections (see {@link DeepBasePrepare}).
   *
   * <p>Hep phases before Calcite's standard program: first the fusion of what INSPECT's operator
   * can run, then record boundaries for what remains. Hep, deterministically, because a Volcano
   * rule would leave the un-rewritten call as a costed alternative.
   */
  public static Program program() {
    return Programs.sequence(
        Programs.hep(
            List.of(FuseInspectionRule.Config.DEFAULT.toRule()),
            true,
            DefaultRelMetadataProvider.INSTANCE),
        Programs.hep(
            List.of(MeasureRecordRule.Config.DEFAULT.toRule()),
            true,
            DefaultRelMetadataProvider.INSTANCE),
        Programs.standard());
  }

  /**
   * Returns the parameters a function requires though Calcite declares them optional (so that a
   * missing one is named in DeepBase's error rather than Calcite's "No match found").
   */
  public static List<String> requiredParameters(String function) {
    return function.equals("inspect") ? InspectFunction.REQUIRED : List.of();
  }

  /** Returns the measure computed by an aggregate function class, or null. */
  static @Nullable Measure measureOf(Class<?> type) {
    return MEASURES.get(type);
  }

  /** Returns the SQL operator of {@code measure_by_record}, for the planner rule. */
  static SqlAggFunction byRecordOperator(RelDataTypeFactory typeFactory) {
    return new SqlUserDefinedAggFunction(
        new SqlIdentifier("measure_by_record", SqlParserPos.ZERO),
        // Always nullable, like the measure functions it replaces (an empty group has no score),
        // whatever the nullability of its arguments.
        ReturnTypes.DOUBLE.andThen(org.apache.calcite.sql.type.SqlTypeTransforms.FORCE_NULLABLE),
        null,
        OperandTypes.family(
            SqlTypeFamily.CHARACTER,
            SqlTypeFamily.NUMERIC,
            SqlTypeFamily.NUMERIC,
            SqlTypeFamily.NUMERIC,
            SqlTypeFamily.INTEGER),
        BY_RECORD,
        false,
        false,
        Optionality.FORBIDDEN,
        typeFactory);
  }
}
