package org.deepbase.engine.exec;

import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.IntPredicate;
import org.deepbase.engine.Cancellation;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.catalog.DatasetDescriptor;
import org.deepbase.engine.data.DatasetReader;
import org.deepbase.engine.data.RecordBatch;
import org.deepbase.engine.hypothesis.Hypothesis;
import org.deepbase.engine.workspace.Workspace;

/**
 * The one read loop of every inspection, local or a Spark shard, INSPECT or a probe: streams the
 * selected records of a dataset in batches through a {@link BehaviorSource} into an {@link
 * AccumulatorGrid}, checking for cancellation before each batch. It owns the dataset reader and the
 * source (closing both); the grid takes each batch's behaviors and closes them.
 *
 * @param task the progress task name, also what a cancellation message names
 * @param total the records the task reports progress against
 * @param cancelled polled before each batch; a {@link Cancellation} explains itself
 */
record RecordScan(
    Workspace workspace,
    DatasetDescriptor dataset,
    List<Hypothesis> hypotheses,
    int batchSize,
    String task,
    long total,
    BooleanSupplier cancelled) {

  /** Decides after each batch whether to stop reading. */
  @FunctionalInterface
  interface StopRule {
    boolean stop(long recordsRead, int batches);
  }

  /** Reads until the end of the records or the stop rule; returns how many records were read. */
  long run(
      IntPredicate records,
      BehaviorSource source,
      AccumulatorGrid grid,
      boolean first,
      StopRule stop) {
    long read = 0;
    int batches = 0;
    // Inputs nobody reads (behaviors from the cache, annotations from arrays) are not read.
    boolean inputs = source.readsInputs() || hypotheses.stream().anyMatch(Hypothesis::readsInputs);
    try (BehaviorSource owned = source;
        DatasetReader reader =
            new DatasetReader(
                workspace.datasetDir(dataset.name()), dataset, records, batchSize, inputs)) {
      // Without inputs, nothing a batch holds is reused by the reader's next one (inputs share one
      // array), so the next batch can be read while this one is scored.
      try (ReadAhead steps =
          new ReadAhead(
              task + " (read ahead)",
              !inputs,
              () -> {
                if (!reader.hasNext()) {
                  return null;
                }
                RecordBatch batch = reader.next();
                return new ReadAhead.Step(batch, owned.next(batch));
              })) {
        while (true) {
          checkCancelled(read);
          ReadAhead.Step step = steps.next();
          if (step == null) {
            break;
          }
          grid.feed(step.records(), hypotheses, dataset, step.behaviors(), first);
          read += step.records().size();
          batches++;
          workspace.progress().report(task, read, total);
          if (stop.stop(read, batches)) {
            break;
          }
        }
      }
    }
    return read;
  }

  private void checkCancelled(long read) {
    if (cancelled.getAsBoolean()) {
      if (cancelled instanceof Cancellation c) {
        c.check(task + " (after " + read + " records)");
      }
      throw new DeepBaseException(
          ErrorCode.CANCELLED, task + " cancelled after " + read + " records");
    }
  }

  /** Reads every selected record. */
  static StopRule never() {
    return (read, batches) -> false;
  }
}
