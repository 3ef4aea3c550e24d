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
import org.deepbase.engine.exec.LayerProbe;
import org.deepbase.engine.measure.Measure;
import org.deepbase.engine.measure.ProbeAccumulator;
import org.deepbase.sql.schema.DeepBaseSchema;

/**
 * SQL table function {@code probe(model, layer, hypothesis, dataset, ...)}: a probing classifier
 * from all units of a layer to a hypothesis. Returns one layer-level row per score ({@code
 * probe_accuracy}, {@code probe_f1}; unit NULL) and one {@code probe_importance} row per unit.
 *
 * <p>A table function rather than an aggregate: a probe needs every unit's value at the same symbol
 * together, which the relational rows of {@code behaviors} deliver unit after unit.
 */
public final class ProbeFunction {
  private ProbeFunction() {}

  /** Creates the table; the work runs when it is scanned. */
  public static ScannableTable probe(
      @Parameter(name = "model") String model,
      @Parameter(name = "layer") String layer,
      @Parameter(name = "hypothesis") String hypothesis,
      @Parameter(name = "dataset") String dataset,
      @Parameter(name = "checkpoint", optional = true) @Nullable Integer checkpoint,
      @Parameter(name = "penalty", optional = true) @Nullable String penalty,
      @Parameter(name = "lambda", optional = true) java.math.@Nullable BigDecimal lambda,
      @Parameter(name = "folds", optional = true) @Nullable Integer folds,
      @Parameter(name = "seed", optional = true) @Nullable Integer seed,
      @Parameter(name = "max_samples", optional = true) @Nullable Integer maxSamples) {
    ProbeAccumulator.Settings d = ProbeAccumulator.Settings.defaults();
    ProbeAccumulator.Settings settings =
        new ProbeAccumulator.Settings(
            penalty == null ? d.penalty() : penalty,
            lambda == null ? d.lambda() : lambda.doubleValue(),
            folds == null ? d.folds() : folds,
            seed == null ? d.seed() : seed,
            maxSamples == null ? d.maxSamples() : maxSamples);
    LayerProbe.Request request =
        new LayerProbe.Request(model, checkpoint, layer, hypothesis, dataset, settings);
    return new ProbeTable(request);
  }

  /** The rows of one probe run. */
  static final class ProbeTable extends AbstractTable implements ScannableTable {
    private final LayerProbe.Request request;

    ProbeTable(LayerProbe.Request request) {
      this.request = request;
    }

    @Override
    public RelDataType getRowType(RelDataTypeFactory f) {
      return ScoreColumns.builder(f)
          .add("samples", SqlTypeName.INTEGER)
          .add("subsampled", SqlTypeName.BOOLEAN)
          .build();
    }

    @Override
    public Enumerable<@Nullable Object[]> scan(DataContext root) {
      LayerProbe.Outcome outcome =
          LayerProbe.run(
              DeepBaseSchema.workspaceOf(root, "probe"),
              request,
              org.deepbase.sql.schema.StatementCancellation.of(root));
      ProbeAccumulator.Result r = outcome.result();
      List<@Nullable Object[]> rows = new ArrayList<>();
      rows.add(row(outcome, null, Measure.PROBE_ACCURACY.sqlName(), r.accuracy()));
      rows.add(row(outcome, null, Measure.PROBE_F1.sqlName(), r.f1()));
      for (int u = 0; u < r.importance().length; u++) {
        rows.add(row(outcome, u, "probe_importance", r.importance()[u]));
      }
      return Linq4j.asEnumerable(rows);
    }

    private Object[] row(
        LayerProbe.Outcome o, @Nullable Integer unit, String measure, double score) {
      return new Object[] {
        request.model(),
        o.checkpoint().epoch(),
        o.layer().name(),
        unit,
        request.hypothesis(),
        measure,
        score,
        o.result().samples(),
        o.result().subsampled()
      };
    }
  }
}
