package org.deepbase.sql.schema;

import java.util.List;
import org.apache.calcite.linq4j.Enumerator;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.data.DatasetReader;
import org.deepbase.engine.data.DatasetRecord;
import org.deepbase.engine.data.RecordBatch;
import org.deepbase.engine.hypothesis.Hypotheses;
import org.deepbase.engine.workspace.Workspace;

/**
 * Streams annotation rows: per batch, per hypothesis, per record, per symbol. Each hypothesis is
 * evaluated once per record. Owns the current dataset reader until {@link #close()}.
 */
final class AnnotationRows implements Enumerator<@Nullable Object[]> {
  private final Workspace workspace;
  private final List<AnnotationStep> steps;
  private final int[] fields;

  private int stepIndex = -1;
  private @Nullable DatasetReader reader;
  private @Nullable RecordBatch batch;
  private float[][][] annotations = new float[0][][];
  private int hypothesisIndex;
  private int recordPos;
  private int symbol;
  private @Nullable Object[] current;

  AnnotationRows(Workspace workspace, List<AnnotationStep> steps, int[] fields) {
    this.workspace = workspace;
    this.steps = steps;
    this.fields = fields;
  }

  @Override
  public @Nullable Object[] current() {
    return current;
  }

  @Override
  public boolean moveNext() {
    while (batch == null || !advance()) {
      if (!nextBatch()) {
        return false;
      }
    }
    current = row();
    return true;
  }

  private boolean advance() {
    if (++symbol < annotations[hypothesisIndex][recordPos].length) {
      return true;
    }
    symbol = 0;
    if (++recordPos < batch.size()) {
      return true;
    }
    recordPos = 0;
    return ++hypothesisIndex < annotations.length;
  }

  private boolean nextBatch() {
    while (reader == null || !reader.hasNext()) {
      closeReader();
      if (++stepIndex >= steps.size()) {
        batch = null;
        return false;
      }
      AnnotationStep step = steps.get(stepIndex);
      reader =
          new DatasetReader(
              workspace.datasetDir(step.dataset().name()),
              step.dataset(),
              step.records(),
              BehaviorRows.BATCH_SIZE);
    }
    AnnotationStep step = steps.get(stepIndex);
    batch = reader.next();
    annotations = new float[step.hypotheses().size()][batch.size()][];
    for (int h = 0; h < annotations.length; h++) {
      for (int r = 0; r < batch.size(); r++) {
        DatasetRecord record = batch.records().get(r);
        annotations[h][r] = Hypotheses.annotate(step.hypotheses().get(h), step.dataset(), record);
      }
    }
    hypothesisIndex = 0;
    recordPos = 0;
    symbol = -1;
    return true;
  }

  private Object[] row() {
    AnnotationStep step = steps.get(stepIndex);
    Object[] row = new Object[fields.length];
    for (int i = 0; i < fields.length; i++) {
      row[i] =
          switch (fields[i]) {
            case 0 -> step.hypotheses().get(hypothesisIndex).name();
            case 1 -> step.dataset().name();
            case 2 -> batch.records().get(recordPos).recordId();
            case 3 -> symbol;
            case 4 -> (double) annotations[hypothesisIndex][recordPos][symbol];
            default -> throw new IllegalStateException("no column " + fields[i]);
          };
    }
    return row;
  }

  private void closeReader() {
    if (reader != null) {
      reader.close();
      reader = null;
    }
  }

  @Override
  public void reset() {
    throw new UnsupportedOperationException("annotation scans stream once");
  }

  @Override
  public void close() {
    closeReader();
  }
}
