package org.deepbase.sql.schema;

import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.calcite.linq4j.Enumerator;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.data.Allocators;
import org.deepbase.engine.data.DatasetReader;
import org.deepbase.engine.extract.BehaviorBatch;
import org.deepbase.engine.extract.Extractor;
import org.deepbase.engine.nn.LoadedModel;
import org.deepbase.engine.workspace.Workspace;

/**
 * Streams behavior rows out of extraction steps, batch by batch.
 *
 * <p>Owns, until {@link #close()}: a child Arrow allocator, the loaded model and dataset reader of
 * the current step, and the current batch's vectors. Row order: per batch, layer, unit, record,
 * symbol; so for one unit, records arrive in increasing id order.
 */
final class BehaviorRows implements Enumerator<@Nullable Object[]> {
  static final int BATCH_SIZE = 128;

  private final Workspace workspace;
  private final List<ExtractionStep> steps;
  private final int[] fields;
  private final org.deepbase.engine.Cancellation cancel;
  private final BufferAllocator allocator = Allocators.newChild("behaviors-scan");

  private int stepIndex = -1;
  private @Nullable LoadedModel model;
  private @Nullable DatasetReader reader;
  private @Nullable Extractor extractor;
  private List<BehaviorBatch> batches = new ArrayList<>();
  private long recordsDone;
  private int batchIndex;
  private int unitIndex;
  private int recordPos;
  private int symbol = -1;
  private @Nullable Object[] current;

  BehaviorRows(
      Workspace workspace,
      List<ExtractionStep> steps,
      int[] fields,
      org.deepbase.engine.Cancellation cancel) {
    this.workspace = workspace;
    this.steps = steps;
    this.fields = fields;
    this.cancel = cancel;
  }

  @Override
  public @Nullable Object[] current() {
    return current;
  }

  @Override
  public boolean moveNext() {
    while (true) {
      if (advanceWithinBatches()) {
        current = row();
        return true;
      }
      if (!nextBatch()) {
        return false;
      }
    }
  }

  private boolean advanceWithinBatches() {
    while (batchIndex < batches.size()) {
      BehaviorBatch b = batches.get(batchIndex);
      if (++symbol < b.symbols()) {
        return true;
      }
      symbol = 0;
      if (++recordPos < b.recordIds().length) {
        return true;
      }
      recordPos = 0;
      if (++unitIndex < b.units().length) {
        return true;
      }
      unitIndex = 0;
      batchIndex++;
      symbol = -1;
    }
    return false;
  }

  private boolean nextBatch() {
    closeBatches();
    cancel.check("behaviors scan");
    while (reader == null || !reader.hasNext()) {
      if (!nextStep()) {
        return false;
      }
    }
    ExtractionStep step = steps.get(stepIndex);
    var records = reader.next();
    batches = extractor.extract(records, allocator);
    recordsDone += records.size();
    workspace
        .progress()
        .report(
            "extract "
                + step.model().name()
                + "@"
                + step.checkpoint().epoch()
                + " on "
                + step.dataset().name(),
            recordsDone,
            step.dataset().recordCount());
    batchIndex = 0;
    unitIndex = 0;
    recordPos = 0;
    symbol = -1;
    return true;
  }

  private boolean nextStep() {
    closeStep();
    if (++stepIndex >= steps.size()) {
      return false;
    }
    ExtractionStep step = steps.get(stepIndex);
    model = LoadedModel.load(step.model(), step.checkpoint());
    reader =
        new DatasetReader(
            workspace.datasetDir(step.dataset().name()),
            step.dataset(),
            step.records(),
            BATCH_SIZE);
    extractor =
        new Extractor(model, step.layers(), step.dataset().symbolShape(), workspace.metrics());
    recordsDone = 0;
    return true;
  }

  private Object[] row() {
    ExtractionStep step = steps.get(stepIndex);
    BehaviorBatch b = batches.get(batchIndex);
    Object[] row = new Object[fields.length];
    for (int i = 0; i < fields.length; i++) {
      row[i] =
          switch (fields[i]) {
            case 0 -> step.model().name();
            case 1 -> step.checkpoint().epoch();
            case 2 -> b.layer().name();
            case 3 -> b.units()[unitIndex];
            case 4 -> step.dataset().name();
            case 5 -> b.recordIds()[recordPos];
            case 6 -> symbol;
            case 7 -> (double) b.value(unitIndex, recordPos, symbol);
            default -> throw new IllegalStateException("no column " + fields[i]);
          };
    }
    return row;
  }

  @Override
  public void reset() {
    throw new UnsupportedOperationException("behaviors scans stream once");
  }

  private void closeBatches() {
    batches.forEach(BehaviorBatch::close);
    batches = new ArrayList<>();
  }

  private void closeStep() {
    closeBatches();
    if (reader != null) {
      reader.close();
      reader = null;
    }
    if (model != null) {
      model.close();
      model = null;
    }
  }

  @Override
  public void close() {
    closeStep();
    allocator.close();
  }
}
