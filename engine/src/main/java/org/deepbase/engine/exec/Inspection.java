package org.deepbase.engine.exec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.apache.arrow.memory.BufferAllocator;
import org.deepbase.engine.cache.BehaviorCache;
import org.deepbase.engine.catalog.Checkpoint;
import org.deepbase.engine.catalog.DatasetDescriptor;
import org.deepbase.engine.catalog.ModelDescriptor;
import org.deepbase.engine.data.Allocators;
import org.deepbase.engine.data.RecordBatch;
import org.deepbase.engine.extract.BehaviorBatch;
import org.deepbase.engine.extract.BehaviorKind;
import org.deepbase.engine.extract.Extractor;
import org.deepbase.engine.extract.LayerRequest;
import org.deepbase.engine.nn.LoadedModel;
import org.deepbase.engine.plan.CachePolicy;
import org.deepbase.engine.plan.InspectionRequest;
import org.deepbase.engine.plan.StoppingRule;
import org.deepbase.engine.workspace.MemoryGrants;
import org.deepbase.engine.workspace.Workspace;

/**
 * The fused inspection operator: for each checkpoint, streams the dataset in batches; per batch,
 * ONE forward pass taps every requested layer, each hypothesis is evaluated once per record, and
 * every (unit, hypothesis, measure) accumulator reads the same Arrow buffers in place.
 *
 * <p>Early stopping: with a tolerance or top_k, each accumulator is fed per batch through a fresh
 * partial state whose score feeds a batch-means interval (kept by the grid); reading stops once the
 * stopping rule holds. Exact dataset-threshold measures then take their second pass over the
 * records used.
 */
public final class Inspection {
  private static final int MIN_BATCHES_BEFORE_STOP = 3;

  private final Workspace workspace;
  private final InspectionRequest request;
  private final BooleanSupplier cancelled;

  public Inspection(Workspace workspace, InspectionRequest request, BooleanSupplier cancelled) {
    this.workspace = workspace;
    this.request = request;
    this.cancelled = cancelled;
  }

  /** Runs the inspection and returns its rows. */
  public List<InspectionRow> run() {
    // Names are resolved first (cheap): a typo fails at once, and the memory grant is sized from
    // the plans. Checkpoints run one after the other: the largest one's accumulators are asked for.
    List<Checkpoint> checkpoints = Targets.checkpoints(workspace, request.models());
    List<ShardScan.Plan> plans = new ArrayList<>();
    long heap = 0;
    for (Checkpoint checkpoint : checkpoints) {
      ShardScan.Plan plan = ShardScan.plan(workspace, request, workspace.model(checkpoint.model()));
      plans.add(plan);
      heap = Math.max(heap, plan.heapBytes());
    }
    if (DryRun.active()) {
      return List.of(); // everything named exists: validation done, no model runs
    }
    List<InspectionRow> rows = new ArrayList<>();
    try (MemoryGrants.Grant grant = workspace.memory().acquire(heap, cancelled, "INSPECT")) {
      for (int c = 0; c < checkpoints.size(); c++) {
        Checkpoint checkpoint = checkpoints.get(c);
        rows.addAll(
            new CheckpointRun(workspace.model(checkpoint.model()), checkpoint, plans.get(c)).run());
      }
    }
    return rows;
  }

  /** The state of one checkpoint's inspection. */
  private final class CheckpointRun {
    private final ModelDescriptor model;
    private final Checkpoint checkpoint;
    private final ShardScan.Plan plan;
    private final DatasetDescriptor dataset;
    private final List<LayerRequest> layers;
    private final AccumulatorGrid grid;
    private final StoppingRule stopping = request.stopping();
    private long recordsUsed;

    /** Records read so far by the first pass, and how many it covers (for the intervals). */
    private long recordsRead;

    private long recordsCovered = 1;

    CheckpointRun(ModelDescriptor model, Checkpoint checkpoint, ShardScan.Plan plan) {
      this.model = model;
      this.checkpoint = checkpoint;
      this.plan = plan;
      this.dataset = plan.dataset();
      this.layers = plan.layers();
      grid = ShardScan.emptyGrid(plan, request);
      if (stopping.stopsEarly()) {
        grid.trackIntervals();
      }
    }

    List<InspectionRow> run() {
      long bytesPerRecord = 0;
      for (LayerRequest layer : layers) {
        bytesPerRecord += (long) layer.layer().unitCount() * dataset.symbolCount() * Float.BYTES;
      }
      int batchSize = request.chooseBatchSize(bytesPerRecord);
      try (BufferAllocator allocator = Allocators.newChild("inspect")) {
        // Gradients cost a backward pass per unit and are not worth keeping: they are never cached.
        boolean activations = request.behavior() == BehaviorKind.ACTIVATION;
        BehaviorCache cache =
            request.cache() != CachePolicy.OFF && activations ? new BehaviorCache(workspace) : null;
        CostModel costs = new CostModel(workspace);
        String costKey =
            model.name()
                + ":"
                + layers.stream().mapToInt(l -> l.layer().index()).max().orElse(0)
                + (activations ? "" : ":" + request.behavior().sqlName());
        List<Path> entries = new ArrayList<>();
        boolean cached = cache != null;
        if (cache != null) {
          for (LayerRequest layer : layers) {
            Path entry =
                cache.entry(
                    checkpoint, layer.layer(), dataset, workspace.datasetDir(dataset.name()));
            entries.add(entry);
            cached &=
                cache.isValid(entry, dataset.recordCount(), layer.layer().unitCount(), allocator);
          }
        }
        if (cached && request.cache() == CachePolicy.AUTO) {
          cached = costs.readingPays(costKey, dataset.recordCount(), sizeOf(entries));
        }
        if (cached) {
          // Every layer is cached: no model is loaded and no forward pass runs.
          long started = System.nanoTime();
          int cachedBatch = cache.batchSize(entries.get(0), allocator);
          pass(new CachedSource(cache, entries, allocator), cachedBatch, true, Long.MAX_VALUE);
          costs.recordCacheRead(
              sizeOf(entries) * recordsUsed / Math.max(1, dataset.recordCount()),
              System.nanoTime() - started);
          if (grid.startSecondPass()) {
            pass(new CachedSource(cache, entries, allocator), cachedBatch, false, recordsUsed);
          }
        } else {
          try (LoadedModel loaded = LoadedModel.load(model, checkpoint)) {
            boolean write =
                cache != null
                    && request.cache() == CachePolicy.ON
                    && !stopping.stopsEarly()
                    && stopping.maxRecords() == 0;
            List<LayerRequest> extracted = write ? allUnits() : layers;
            Extractor extractor =
                ShardScan.extractor(loaded, extracted, dataset, request, workspace);
            // The cache keeps each layer on its own grid: resized layers come with theirs.
            Extractor filling = write ? extractor.withRawGrids() : extractor;
            List<BehaviorCache.Writer> writers = new ArrayList<>();
            try {
              if (write) {
                for (int l = 0; l < layers.size(); l++) {
                  writers.add(
                      cache.writer(
                          entries.get(l),
                          layers.get(l).layer(),
                          dataset.recordCount(),
                          batchSize,
                          allocator));
                }
              }
              pass(
                  new ExtractingSource(filling, allocator, writers, costs, costKey),
                  batchSize,
                  true,
                  Long.MAX_VALUE);
              writers.forEach(BehaviorCache.Writer::commit);
            } finally {
              writers.forEach(BehaviorCache.Writer::close);
            }
            if (grid.startSecondPass()) {
              pass(
                  new ExtractingSource(extractor, allocator, List.of(), costs, costKey),
                  batchSize,
                  false,
                  recordsUsed);
            }
          }
        }
      }
      return grid.rows(
          model.name(),
          checkpoint.epoch(),
          layers,
          plan.hypotheses(),
          plan.probeMeasures(),
          recordsUsed,
          fractionRead());
    }

    private static long sizeOf(List<Path> files) {
      long bytes = 0;
      for (Path f : files) {
        try {
          bytes += Files.size(f);
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
      return bytes;
    }

    private List<LayerRequest> allUnits() {
      List<LayerRequest> all = new ArrayList<>();
      for (LayerRequest layer : layers) {
        all.add(
            new LayerRequest(
                layer.layer(), IntStream.range(0, layer.layer().unitCount()).toArray()));
      }
      return all;
    }

    /** Reads the requested units of every layer from cache entries. */
    private final class CachedSource implements BehaviorSource {
      private final List<BehaviorCache.Reader> readers = new ArrayList<>();

      CachedSource(BehaviorCache cache, List<Path> entries, BufferAllocator allocator) {
        for (int l = 0; l < layers.size(); l++) {
          readers.add(
              cache.reader(
                  entries.get(l),
                  layers.get(l).layer(),
                  dataset.symbolShape(),
                  request.needsRawGrids(),
                  allocator));
        }
      }

      @Override
      public List<BehaviorBatch> next(RecordBatch batch) {
        int[] ids = batch.records().stream().mapToInt(r -> r.recordId()).toArray();
        List<BehaviorBatch> out = new ArrayList<>();
        for (int l = 0; l < layers.size(); l++) {
          BehaviorBatch b = readers.get(l).next(layers.get(l).units(), ids);
          if (b == null) {
            out.forEach(BehaviorBatch::close);
            throw new IllegalStateException("behavior cache entry ended before the dataset");
          }
          out.add(b);
        }
        return out;
      }

      @Override
      public void close() {
        readers.forEach(BehaviorCache.Reader::close);
      }
    }

    /**
     * Streams records; the first pass may stop early, the second reads exactly {@code limit}
     * records.
     */
    private void pass(BehaviorSource source, int batchSize, boolean first, long limit) {
      long cap = stopping.maxRecords() > 0 ? Math.min(limit, stopping.maxRecords()) : limit;
      long total = Math.min(cap, dataset.recordCount());
      if (first) {
        recordsCovered = Math.max(1, total);
      }
      RecordScan scan =
          new RecordScan(
              workspace,
              dataset,
              plan.hypotheses(),
              batchSize,
              "inspect " + model.name() + "@" + checkpoint.epoch() + (first ? "" : " (exact pass)"),
              total,
              cancelled);
      long read =
          scan.run(
              id -> id < cap,
              source,
              grid,
              first,
              (done, batches) -> {
                if (first) {
                  recordsRead = done;
                }
                return first
                    && stopping.stopsEarly()
                    && batches >= MIN_BATCHES_BEFORE_STOP
                    && converged();
              });
      if (first) {
        recordsUsed = read;
      }
    }

    /** Returns whether the early-stopping rule (tolerance, or a stable top k) is met. */
    private boolean converged() {
      return stopping.hasTolerance() && grid.withinTolerance(stopping.tolerance(), fractionRead())
          || stopping.topK() > 0 && grid.topStable(stopping.topK(), fractionRead());
    }

    private double fractionRead() {
      return (double) recordsRead / recordsCovered;
    }
  }
}
