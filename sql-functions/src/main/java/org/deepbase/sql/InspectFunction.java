package org.deepbase.sql;

import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.DataContext;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Linq4j;
import org.apache.calcite.linq4j.function.Parameter;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.schema.ScannableTable;
import org.apache.calcite.schema.impl.AbstractTable;
import org.apache.calcite.sql.type.SqlTypeName;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.exec.InspectionEngine;
import org.deepbase.engine.exec.InspectionRow;
import org.deepbase.engine.extract.BehaviorKind;
import org.deepbase.engine.plan.Arguments;
import org.deepbase.engine.plan.CachePolicy;
import org.deepbase.engine.plan.InspectionRequest;
import org.deepbase.engine.plan.MeasureSpec;
import org.deepbase.engine.plan.ModelTarget;
import org.deepbase.engine.plan.StoppingRule;
import org.deepbase.engine.plan.UnitTarget;
import org.deepbase.sql.schema.DeepBaseSchema;
import org.deepbase.sql.schema.StatementCancellation;

/**
 * SQL table function {@code inspect(models, units, hypotheses, measures, dataset [, tolerance,
 * max_records, batch_size, exact, cache, top_k, behavior])}: DeepBase's one-call form, mirroring
 * the original {@code inspect(models, hypotheses, scores, data, units)}. Runs the fused {@link
 * org.deepbase.engine.exec.Inspection}.
 */
public final class InspectFunction {
  /**
   * The arguments INSPECT needs; Calcite sees them as optional (see {@link #inspect}), metadata
   * reports them as required.
   */
  public static final List<String> REQUIRED =
      List.of("models", "units", "hypotheses", "measures", "dataset");

  private InspectFunction() {}

  /** Creates the table; the inspection runs when it is scanned. */
  public static ScannableTable inspect(
      // Optional for Calcite, required here: a missing one is then named in the error instead of
      // Calcite's "No match found for function signature".
      @Parameter(name = "models", optional = true) @Nullable String models,
      @Parameter(name = "units", optional = true) @Nullable String units,
      @Parameter(name = "hypotheses", optional = true) @Nullable String hypotheses,
      @Parameter(name = "measures", optional = true) @Nullable String measures,
      @Parameter(name = "dataset", optional = true) @Nullable String dataset,
      // DECIMAL, because that is what a literal like 0.01 is (Calcite cannot convert it to DOUBLE
      // here).
      @Parameter(name = "tolerance", optional = true) java.math.@Nullable BigDecimal tolerance,
      @Parameter(name = "max_records", optional = true) @Nullable Integer maxRecords,
      @Parameter(name = "batch_size", optional = true) @Nullable Integer batchSize,
      @Parameter(name = "exact", optional = true) @Nullable Boolean exact,
      @Parameter(name = "cache", optional = true) @Nullable Boolean cache,
      @Parameter(name = "top_k", optional = true) @Nullable Integer topK,
      @Parameter(name = "behavior", optional = true) @Nullable String behavior) {
    String missing = missing(models, units, hypotheses, measures, dataset);
    if (missing != null) {
      // Calcite calls this once while preparing, with null for every ? parameter (only the row type
      // is needed then), and again when executing, with the values: defer the error to the scan.
      return new InspectTable(null, new DeepBaseException(ErrorCode.BAD_ARGUMENT, missing));
    }
    try {
      InspectionRequest request =
          InspectionRequest.builder(dataset)
              .models(ModelTarget.parseList(models))
              .units(UnitTarget.parseList(units))
              .hypotheses(Arguments.split(hypotheses, "hypotheses"))
              .measures(MeasureSpec.parseList(measures))
              .stopping(
                  new StoppingRule(
                      tolerance == null ? Double.NaN : tolerance.doubleValue(),
                      topK == null ? 0 : topK,
                      maxRecords == null ? 0 : maxRecords))
              .batchSize(batchSize == null ? 0 : batchSize)
              .exact(exact == null || exact)
              .cache(cache == null ? CachePolicy.AUTO : cache ? CachePolicy.ON : CachePolicy.OFF)
              .behavior(BehaviorKind.parse(behavior))
              .build();
      return new InspectTable(request, null);
    } catch (DeepBaseException e) {
      // Reported when the table is read, like every other INSPECT error (not as a planning
      // failure).
      return new InspectTable(null, e);
    }
  }

  /** Returns the error naming the missing required arguments, or null when none is missing. */
  private static @Nullable String missing(
      @Nullable String models,
      @Nullable String units,
      @Nullable String hypotheses,
      @Nullable String measures,
      @Nullable String dataset) {
    List<String> missing = new ArrayList<>();
    String[] values = {models, units, hypotheses, measures, dataset};
    for (int i = 0; i < values.length; i++) {
      if (values[i] == null) {
        missing.add(REQUIRED.get(i));
      }
    }
    return missing.isEmpty()
        ? null
        : "inspect needs models, units, hypotheses, measures and dataset; missing: "
            + String.join(", ", missing)
            + " (e.g. inspect(models => 'pacman', units => 'conv1.*', hypotheses => 'ghost', "
            + "measures => 'local_iou', dataset => 'pacman_test'))";
  }

  /** The rows of one inspection. */
  static final class InspectTable extends AbstractTable implements ScannableTable {
    private final @Nullable InspectionRequest request;
    private final @Nullable DeepBaseException invalid;

    InspectTable(@Nullable InspectionRequest request, @Nullable DeepBaseException invalid) {
      this.request = request;
      this.invalid = invalid;
    }

    @Override
    public RelDataType getRowType(RelDataTypeFactory f) {
      return ScoreColumns.builder(f)
          .add("records_used", SqlTypeName.BIGINT)
          .add("ci_low", SqlTypeName.DOUBLE)
          .nullable(true)
          .add("ci_high", SqlTypeName.DOUBLE)
          .nullable(true)
          .add("note", SqlTypeName.VARCHAR)
          .nullable(true)
          .build();
    }

    @Override
    public Enumerable<@Nullable Object[]> scan(DataContext root) {
      InspectionRequest request = this.request;
      if (request == null) {
        throw java.util.Objects.requireNonNull(
            invalid, "an inspection without a request has its error");
      }
      List<InspectionRow> result =
          InspectionEngine.of(DeepBaseSchema.settingsOf(root))
              .run(
                  DeepBaseSchema.workspaceOf(root, "inspect"),
                  request,
                  StatementCancellation.of(root),
                  DeepBaseSchema.settingsOf(root));
      List<@Nullable Object[]> rows = new ArrayList<>(result.size());
      for (InspectionRow r : result) {
        // A skipped pair has no score: NULL, never NaN (which would sort above every score).
        boolean scored = !r.skipped();
        rows.add(
            new Object[] {
              r.model(),
              r.checkpoint(),
              r.layer(),
              r.unit(),
              r.hypothesis(),
              r.measure(),
              scored ? r.score() : null,
              r.recordsUsed(),
              scored ? r.ciLow() : null,
              scored ? r.ciHigh() : null,
              r.note()
            });
      }
      return Linq4j.asEnumerable(rows);
    }
  }
}
