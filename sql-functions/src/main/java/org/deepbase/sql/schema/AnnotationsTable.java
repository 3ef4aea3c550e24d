package org.deepbase.sql.schema;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.calcite.DataContext;
import org.apache.calcite.linq4j.AbstractEnumerable;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Enumerator;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.sql.type.SqlTypeName;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.catalog.DatasetDescriptor;
import org.deepbase.engine.hypothesis.Hypotheses;
import org.deepbase.engine.hypothesis.Hypothesis;
import org.deepbase.engine.workspace.Workspace;

/**
 * The virtual {@code annotations} table: one row per (hypothesis, dataset, record, symbol),
 * computed by the hypothesis functions when scanned.
 */
public final class AnnotationsTable extends VirtualTable {
  static final Columns COLUMNS =
      new Columns()
          .add("hypothesis", SqlTypeName.VARCHAR)
          .add("dataset", SqlTypeName.VARCHAR)
          .add("record_id", SqlTypeName.INTEGER)
          .add("symbol", SqlTypeName.INTEGER)
          .add("annotation", SqlTypeName.DOUBLE);

  public AnnotationsTable(Workspace workspace) {
    super(workspace, COLUMNS, 1e6);
  }

  /** {@inheritDoc} */
  @Override
  public Enumerable<@Nullable Object[]> scan(
      DataContext root, List<RexNode> filters, int @Nullable [] projects) {
    ScanFilters pushed =
        ScanFilters.consume(
            filters,
            COLUMNS.stringColumns(),
            COLUMNS.indexes("hypothesis", "dataset", "record_id"),
            root);
    ColumnFilter hypotheses = pushed.column(COLUMNS.index("hypothesis"));
    ColumnFilter datasets = pushed.column(COLUMNS.index("dataset"));
    if (datasets.strings() != null) {
      datasets.strings().forEach(workspace::dataset);
    }
    List<AnnotationStep> steps = new ArrayList<>();
    for (DatasetDescriptor dataset : workspace.datasets().values()) {
      if (!datasets.allows(dataset.name())) {
        continue;
      }
      Map<String, Hypothesis> chosen = new LinkedHashMap<>();
      Map<String, Hypothesis> available = workspace.hypotheses(dataset);
      if (hypotheses.strings() != null && datasets.strings() != null) {
        hypotheses.strings().forEach(name -> chosen.put(name, workspace.hypothesis(dataset, name)));
      } else {
        available.forEach(
            (name, h) -> {
              if (hypotheses.allows(name)) {
                chosen.put(name, h);
              }
            });
      }
      if (!chosen.isEmpty()) {
        steps.add(
            new AnnotationStep(
                dataset,
                List.copyOf(chosen.values()),
                pushed.column(COLUMNS.index("record_id")).asIntPredicate()));
      }
    }
    if (hypotheses.strings() != null) {
      for (String name : hypotheses.strings()) {
        boolean found =
            steps.stream()
                .anyMatch(s -> s.hypotheses().stream().anyMatch(h -> h.name().equals(name)));
        if (!found) {
          throw new DeepBaseException(
              ErrorCode.UNKNOWN_HYPOTHESIS,
              "unknown hypothesis '"
                  + name
                  + "'; known: "
                  + Hypotheses.all().stream().map(e -> e.getValue().name()).distinct().toList());
        }
      }
    }
    int[] fields = fields(projects);
    if (org.deepbase.engine.exec.DryRun.active()) {
      return org.apache.calcite.linq4j.Linq4j.emptyEnumerable();
    }
    return new AbstractEnumerable<>() {
      @Override
      public Enumerator<@Nullable Object[]> enumerator() {
        return new AnnotationRows(workspace, steps, fields);
      }
    };
  }
}
