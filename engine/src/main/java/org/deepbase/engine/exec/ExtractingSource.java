package org.deepbase.engine.exec;

import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.data.RecordBatch;
import org.deepbase.engine.extract.BehaviorBatch;
import org.deepbase.engine.extract.Extractor;

/**
 * Runs the model: one forward pass per batch for every requested layer. Optionally hands every
 * batch to sinks (behavior-cache writers, an exact inspection's spill), one per layer, and records
 * the measured per-record forward cost on close.
 */
final class ExtractingSource implements BehaviorSource {
  private final Extractor extractor;
  private final BufferAllocator allocator;
  private final List<java.util.function.Consumer<BehaviorBatch>> sinks;
  private final @Nullable CostModel costs;
  private final String costKey;
  private long nanos;
  private long records;

  /** A source that only extracts (no cache, no cost recording). */
  ExtractingSource(Extractor extractor, BufferAllocator allocator) {
    this(extractor, allocator, List.of(), null, "");
  }

  ExtractingSource(
      Extractor extractor,
      BufferAllocator allocator,
      List<java.util.function.Consumer<BehaviorBatch>> sinks,
      @Nullable CostModel costs,
      String costKey) {
    this.extractor = extractor;
    this.allocator = allocator;
    this.sinks = sinks;
    this.costs = costs;
    this.costKey = costKey;
  }

  @Override
  public List<BehaviorBatch> next(RecordBatch batch) {
    long started = System.nanoTime();
    List<BehaviorBatch> behaviors = extractor.extract(batch, allocator);
    nanos += System.nanoTime() - started;
    records += batch.size();
    for (int l = 0; l < sinks.size(); l++) {
      sinks.get(l).accept(behaviors.get(l));
    }
    return behaviors;
  }

  /** Stores the measured per-record forward cost for later planning. */
  @Override
  public void close() {
    if (costs != null) {
      costs.recordForward(costKey, records, nanos);
    }
  }
}
