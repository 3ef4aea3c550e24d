package org.deepbase.engine.exec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.apache.arrow.memory.BufferAllocator;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.cache.BatchReader;
import org.deepbase.engine.cache.BehaviorCache;
import org.deepbase.engine.catalog.Checkpoint;
import org.deepbase.engine.catalog.DatasetDescriptor;
import org.deepbase.engine.catalog.LayerInfo;
import org.deepbase.engine.catalog.ModelDescriptor;
import org.deepbase.engine.data.Allocators;
import org.deepbase.engine.data.RecordBatch;
import org.deepbase.engine.extract.BehaviorBatch;
import org.deepbase.engine.extract.BehaviorKind;
import org.deepbase.engine.extract.Extractor;
import org.deepbase.engine.extract.GridAlignment;
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
      int batchSize = request.chooseBatchSize(bytesPerRecord());
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
          int cachedBatch = cache.batchSize(entries.get(0), allocator);
          pass(cacheSource(cache, entries, allocator, costs), cachedBatch, true, Long.MAX_VALUE);
          while (grid.startNextPass()) {
            pass(cacheSource(cache, entries, allocator, costs), cachedBatch, false, recordsUsed);
          }
        } else {
          try (LoadedModel loaded = LoadedModel.load(model, checkpoint)) {
            boolean write =
                cache != null
                    && request.cache() == CachePolicy.ON
                    && !stopping.stopsEarly()
                    && stopping.maxRecords() == 0;
            // Without a cache to fill, an exact inspection whose second pass is likely keeps pass
            // one's behaviors in a temporary spill when reading them back beats a forward pass.
            // Deleted however the inspection ends, after its files are closed.
            try (SpillDirectory spill =
                write ? null : spillDir(activations, costs, costKey, bytesOnOwnGrids(allUnits()))) {
              boolean stores = write || spill != null;
              List<LayerRequest> extracted = stores ? allUnits() : layers;
              Extractor extractor =
                  ShardScan.extractor(
                      loaded, extracted, dataset, request, workspace, stopping.stopsEarly());
              // Stored behaviors keep each layer on its own grid: resized layers come with theirs.
              Extractor filling = stores ? extractor.withRawGrids() : extractor;
              List<BehaviorCache.Writer> writers = new ArrayList<>();
              List<Spill> spills = new ArrayList<>();
              try {
                List<Consumer<BehaviorBatch>> sinks = new ArrayList<>();
                for (int l = 0; l < layers.size(); l++) {
                  LayerInfo layer = layers.get(l).layer();
                  if (write) {
                    BehaviorCache.Writer writer =
                        cache.writer(
                            entries.get(l), layer, dataset.recordCount(), batchSize, allocator);
                    writers.add(writer);
                    sinks.add(writer::write);
                  } else if (spill != null) {
                    Spill layerSpill =
                        new Spill(spill.path().resolve(layer.name() + ".spill"), layer, allocator);
                    spills.add(layerSpill);
                    int index = l;
                    // What the later passes need is known from the batches scored before this one.
                    sinks.add(batch -> layerSpill.write(batch, laterPassesNeedFrom(index)));
                  }
                }
                pass(
                    new ExtractingSource(filling, allocator, sinks, costs, costKey),
                    batchSize,
                    true,
                    Long.MAX_VALUE);
                writers.forEach(BehaviorCache.Writer::commit);
                writers.forEach(BehaviorCache.Writer::close);
                writers.clear();
                while (grid.startNextPass()) {
                  // Later passes read what the first wrote, when it wrote: no forward pass.
                  pass(
                      write
                          ? cacheSource(cache, entries, allocator, costs)
                          : spill != null
                              // A spill keeps a part of the bytes: its reads would mislead the
                              // cost model about reading a cache entry, so they refine nothing.
                              ? storedSource(spillReaders(spills, allocator), 0, costs)
                              : new ExtractingSource(
                                  extractor, allocator, List.of(), costs, costKey),
                      batchSize,
                      false,
                      recordsUsed);
                }
              } finally {
                writers.forEach(BehaviorCache.Writer::close);
                spills.forEach(Spill::close);
              }
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

    /**
     * Returns the bytes one record's behaviors take in a batch, one copy of every unit of the
     * tapped layers ({@link InspectionRequest#chooseBatchSize} counts two: the model's output and
     * the Arrow copy). A layer resized on demand is held on its own grid (a ResNet-18's four
     * stages: 1.5 MB per record, against 48 MB resized to 112 x 112 masks); one copied, broadcast
     * or resized up front is held on the dataset's grid, and so is every layer when a probe resizes
     * a whole layer at once.
     */
    private long bytesPerRecord() {
      GridAlignment.Delivery delivery =
          plan.probeMeasures().isEmpty()
              ? ShardScan.delivery(request, stopping.stopsEarly())
              : GridAlignment.Delivery.ALIGNED;
      long bytes = 0;
      for (LayerRequest layer : layers) {
        boolean deferred = GridAlignment.of(layer.layer(), dataset.symbolShape()).defers(delivery);
        int symbols = deferred ? layer.layer().symbolCount() : dataset.symbolCount();
        bytes += (long) layer.layer().unitCount() * symbols * Float.BYTES;
      }
      return bytes;
    }

    /** Returns the bytes the layers' behaviors take on their own grids over the dataset. */
    private long bytesOnOwnGrids(List<LayerRequest> requests) {
      long bytes = 0;
      for (LayerRequest layer : requests) {
        bytes += (long) layer.units().length * layer.layer().symbolCount() * Float.BYTES;
      }
      return bytes * dataset.recordCount();
    }

    /**
     * Returns a new directory for pass one's behaviors when a second pass is likely (exact
     * dataset-threshold measures, the whole dataset read), writing and reading them back is
     * estimated cheaper than a forward pass, and the disk has room for twice their size; else null.
     */
    private @Nullable SpillDirectory spillDir(
        boolean activations, CostModel costs, String costKey, long bytes) {
      boolean secondPassLikely =
          request.exact()
              && plan.measures().stream().anyMatch(m -> m.measure().datasetThreshold())
              && !stopping.stopsEarly()
              && stopping.maxRecords() == 0;
      if (!activations
          || !secondPassLikely
          || !costs.readingPays(costKey, dataset.recordCount(), 2 * bytes)) {
        return null;
      }
      try {
        Path root = workspace.root().resolve("cache").resolve("spill");
        Files.createDirectories(root);
        SpillDirectory.removeOrphans(root);
        if (Files.getFileStore(root).getUsableSpace() < 2 * bytes) {
          return null;
        }
        return SpillDirectory.create(root);
      } catch (java.io.IOException | java.io.UncheckedIOException e) {
        return null; // a spill only saves time: without one, pass two runs the model again
      }
    }

    /**
     * Returns what the passes after this one need of each unit of a requested layer, by unit number
     * ({@link AccumulatorGrid#laterPassesNeedFrom}; nothing of the units not requested).
     */
    private float[] laterPassesNeedFrom(int layer) {
      LayerRequest request = layers.get(layer);
      float[] need = new float[request.layer().unitCount()];
      java.util.Arrays.fill(need, Float.POSITIVE_INFINITY);
      int[] units = request.units();
      for (int i = 0; i < units.length; i++) {
        need[units[i]] = Math.min(need[units[i]], grid.laterPassesNeedFrom(layer, i));
      }
      return need;
    }

    /** Reads every layer from its cache entry; the reads refine the cost model. */
    private StoredSource cacheSource(
        BehaviorCache cache, List<Path> entries, BufferAllocator allocator, CostModel costs) {
      return storedSource(cacheReaders(cache, entries, allocator), sizeOf(entries), costs);
    }

    private List<BatchReader> cacheReaders(
        BehaviorCache cache, List<Path> entries, BufferAllocator allocator) {
      List<BatchReader> readers = new ArrayList<>();
      for (int l = 0; l < layers.size(); l++) {
        readers.add(
            cache.reader(
                entries.get(l),
                layers.get(l).layer(),
                dataset.symbolShape(),
                ShardScan.delivery(request, stopping.stopsEarly()),
                allocator));
      }
      return readers;
    }

    private List<BatchReader> spillReaders(List<Spill> spills, BufferAllocator allocator) {
      List<BatchReader> readers = new ArrayList<>();
      for (Spill spill : spills) {
        readers.add(
            spill.reader(
                dataset.symbolShape(),
                ShardScan.delivery(request, stopping.stopsEarly()),
                allocator));
      }
      return readers;
    }

    private StoredSource storedSource(List<BatchReader> readers, long bytes, CostModel costs) {
      return new StoredSource(readers, bytes / Math.max(1, dataset.recordCount()), costs);
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

    /**
     * Reads the requested units of every layer back from where they were stored: cache entries, or
     * an exact inspection's spill.
     */
    private final class StoredSource implements BehaviorSource {
      private final List<BatchReader> readers;
      private final CostModel costs;
      private final long bytesPerRecord;
      private long records;
      private long nanos;

      /**
       * Reads with {@code readers}, one per layer; the time spent reading (not scoring) refines the
       * cost model at close, for {@code bytesPerRecord} bytes of values delivered per record.
       */
      StoredSource(List<BatchReader> readers, long bytesPerRecord, CostModel costs) {
        this.readers = readers;
        this.costs = costs;
        this.bytesPerRecord = bytesPerRecord;
      }

      @Override
      public List<BehaviorBatch> next(RecordBatch batch) {
        long started = System.nanoTime();
        int[] ids = batch.records().stream().mapToInt(r -> r.recordId()).toArray();
        records += ids.length;
        List<BehaviorBatch> out = new ArrayList<>();
        for (int l = 0; l < layers.size(); l++) {
          BehaviorBatch b = readers.get(l).next(layers.get(l).units(), ids);
          if (b == null) {
            out.forEach(BehaviorBatch::close);
            throw new IllegalStateException("behavior cache entry ended before the dataset");
          }
          out.add(b);
        }
        nanos += System.nanoTime() - started;
        return out;
      }

      /** {@inheritDoc} False: the behaviors come from the entries, not from a forward pass. */
      @Override
      public boolean readsInputs() {
        return false;
      }

      @Override
      public void close() {
        readers.forEach(BatchReader::close);
        costs.recordCacheRead(bytesPerRecord * records, nanos);
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
