package org.deepbase.engine.exec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.apache.arrow.memory.BufferAllocator;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.Progress;
import org.deepbase.engine.cache.BehaviorCache;
import org.deepbase.engine.catalog.Checkpoint;
import org.deepbase.engine.catalog.DatasetDescriptor;
import org.deepbase.engine.catalog.ModelDescriptor;
import org.deepbase.engine.catalog.Workspace;
import org.deepbase.engine.data.DatasetReader;
import org.deepbase.engine.data.RecordBatch;
import org.deepbase.engine.extract.Allocators;
import org.deepbase.engine.extract.BehaviorBatch;
import org.deepbase.engine.extract.BehaviorKind;
import org.deepbase.engine.extract.Extractor;
import org.deepbase.engine.extract.LayerRequest;
import org.deepbase.engine.hypothesis.Hypothesis;
import org.deepbase.engine.nn.LoadedModel;

/**
 * The fused inspection operator: for each checkpoint, streams the dataset in batches; per batch,
 * ONE forward pass taps every requested layer, each hypothesis is evaluated once per record, and
 * every (unit, hypothesis, measure) accumulator reads the same Arrow buffers in place.
 *
 * <p>Early stopping: with a tolerance, each accumulator is fed per batch through a fresh partial
 * state whose score feeds {@link BatchMeans}; reading stops once every half-width is below the
 * tolerance. Exact dataset-threshold measures then take their second pass over the records used.
 */
public final class Inspection {
  /** Measures that score a whole layer with a probing classifier. */
  static final List<String> PROBES = List.of("probe_accuracy", "probe_f1");
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
    List<InspectionRow> rows = new ArrayList<>();
    for (Checkpoint checkpoint : Targets.checkpoints(workspace, request.models())) {
      ModelDescriptor model = workspace.model(checkpoint.model());
      ShardScan.Plan plan = ShardScan.plan(workspace, request, model);
      if (DryRun.active()) {
        continue; // everything named exists: validation done, no model runs
      }
      rows.addAll(new CheckpointRun(model, checkpoint, plan.dataset(), plan.layers(), plan.hypotheses(),
          plan.measures(), plan.probeMeasures()).run());
    }
    return rows;
  }

  /** The state of one checkpoint's inspection. */
  private final class CheckpointRun {
    private final ModelDescriptor model;
    private final Checkpoint checkpoint;
    private final DatasetDescriptor dataset;
    private final List<LayerRequest> layers;
    private final List<Hypothesis> hypotheses;
    private final List<String> measures;
    private final List<String> probeMeasures;
    private final AccumulatorGrid grid;
    /** [layer][unit][hypothesis][measure]: batch-means intervals for early stopping. */
    private final BatchMeans[][][][] intervals;
    private long recordsUsed;
    /** Records read so far by the first pass, and how many it covers (for the intervals). */
    private long recordsRead;
    private long recordsCovered = 1;

    CheckpointRun(ModelDescriptor model, Checkpoint checkpoint, DatasetDescriptor dataset, List<LayerRequest> layers,
        List<Hypothesis> hypotheses, List<String> measures, List<String> probeMeasures) {
      this.model = model;
      this.checkpoint = checkpoint;
      this.dataset = dataset;
      this.layers = layers;
      this.hypotheses = hypotheses;
      this.measures = measures;
      this.probeMeasures = probeMeasures;
      grid = new AccumulatorGrid(layers, hypotheses.size(), measures, request.exact(),
          probeMeasures.isEmpty() ? null : org.deepbase.engine.measure.ProbeAccumulator.Settings.defaults());
      intervals = new BatchMeans[layers.size()][][][];
      for (int l = 0; l < layers.size(); l++) {
        int units = layers.get(l).units().length;
        intervals[l] = new BatchMeans[units][hypotheses.size()][measures.size()];
        for (int u = 0; u < units; u++) {
          for (int h = 0; h < hypotheses.size(); h++) {
            for (int m = 0; m < measures.size(); m++) {
              intervals[l][u][h][m] = new BatchMeans();
            }
          }
        }
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
        BehaviorCache cache = request.cache() != InspectionRequest.CachePolicy.OFF && activations
            ? new BehaviorCache(workspace) : null;
        CostModel costs = new CostModel(workspace);
        String costKey = model.name() + ":" + layers.stream().mapToInt(l -> l.layer().index()).max().orElse(0)
            + (activations ? "" : ":" + request.behavior().sqlName());
        List<Path> entries = new ArrayList<>();
        boolean cached = cache != null;
        if (cache != null) {
          for (LayerRequest layer : layers) {
            Path entry = cache.entry(checkpoint, layer.layer(), dataset, workspace.datasetDir(dataset.name()));
            entries.add(entry);
            cached &= cache.isValid(entry, dataset.recordCount(), layer.layer().unitCount(), allocator);
          }
        }
        if (cached && request.cache() == InspectionRequest.CachePolicy.AUTO) {
          cached = costs.readingPays(costKey, dataset.recordCount(), sizeOf(entries));
        }
        if (cached) {
          // Every layer is cached: no model is loaded and no forward pass runs.
          long started = System.nanoTime();
          int cachedBatch = cache.batchSize(entries.get(0), allocator);
          pass(() -> new CachedSource(cache, entries, allocator), cachedBatch, true, Long.MAX_VALUE);
          costs.recordCacheRead(sizeOf(entries) * recordsUsed / Math.max(1, dataset.recordCount()), System.nanoTime() - started);
          if (grid.startSecondPass()) {
            pass(() -> new CachedSource(cache, entries, allocator), cachedBatch, false, recordsUsed);
          }
        } else {
          try (LoadedModel loaded = LoadedModel.load(model, checkpoint)) {
            boolean write = cache != null && request.cache() == InspectionRequest.CachePolicy.ON && !request.stopsEarly()
                && request.maxRecords() == 0;
            List<LayerRequest> extracted = write ? allUnits() : layers;
            Extractor extractor = new Extractor(loaded, extracted, dataset.symbolShape(), request.behavior());
            List<BehaviorCache.Writer> writers = new ArrayList<>();
            try {
              if (write) {
                for (int l = 0; l < layers.size(); l++) {
                  writers.add(cache.writer(entries.get(l), layers.get(l).layer(), dataset.recordCount(),
                      batchSize, allocator));
                }
              }
              pass(() -> new ExtractingSource(extractor, allocator, writers, costs, costKey), batchSize, true, Long.MAX_VALUE);
              writers.forEach(BehaviorCache.Writer::commit);
            } finally {
              writers.forEach(BehaviorCache.Writer::close);
            }
            if (grid.startSecondPass()) {
              pass(() -> new ExtractingSource(extractor, allocator, List.of(), costs, costKey), batchSize, false, recordsUsed);
            }
          }
        }
      }
      return grid.rows(model.name(), checkpoint.epoch(), layers, hypotheses, probeMeasures, recordsUsed,
          request.stopsEarly() ? intervals : null, fractionRead());
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
        all.add(new LayerRequest(layer.layer(), IntStream.range(0, layer.layer().unitCount()).toArray()));
      }
      return all;
    }

    /** Where a pass gets its behaviors: the model or the cache. */
    private interface BehaviorSource extends AutoCloseable {
      List<BehaviorBatch> next(RecordBatch batch);

      @Override
      void close();
    }

    /** Runs the model; writes every batch to the cache writers, if any. */
    private final class ExtractingSource implements BehaviorSource {
      private final Extractor extractor;
      private final BufferAllocator allocator;
      private final List<BehaviorCache.Writer> writers;
      private final CostModel costs;
      private final String costKey;
      private long nanos;
      private long records;

      ExtractingSource(Extractor extractor, BufferAllocator allocator, List<BehaviorCache.Writer> writers,
          CostModel costs, String costKey) {
        this.extractor = extractor;
        this.allocator = allocator;
        this.writers = writers;
        this.costs = costs;
        this.costKey = costKey;
      }

      @Override
      public List<BehaviorBatch> next(RecordBatch batch) {
        long started = System.nanoTime();
        List<BehaviorBatch> behaviors = extractor.extract(batch, allocator);
        nanos += System.nanoTime() - started;
        records += batch.size();
        for (int l = 0; l < writers.size(); l++) {
          writers.get(l).write(behaviors.get(l));
        }
        return behaviors;
      }

      /** Stores the measured per-record forward cost for later planning. */
      @Override
      public void close() {
        costs.recordForward(costKey, records, nanos);
      }
    }

    /** Reads the requested units of every layer from cache entries. */
    private final class CachedSource implements BehaviorSource {
      private final List<BehaviorCache.Reader> readers = new ArrayList<>();

      CachedSource(BehaviorCache cache, List<Path> entries, BufferAllocator allocator) {
        for (int l = 0; l < layers.size(); l++) {
          readers.add(cache.reader(entries.get(l), layers.get(l).layer(), allocator));
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

    /** Streams records; the first pass may stop early, the second reads exactly {@code limit} records. */
    private void pass(java.util.function.Supplier<BehaviorSource> sources, int batchSize, boolean first, long limit) {
      long cap = request.maxRecords() > 0 ? Math.min(limit, request.maxRecords()) : limit;
      long read = 0;
      int batches = 0;
      String task = "inspect " + model.name() + "@" + checkpoint.epoch() + (first ? "" : " (exact pass)");
      long total = Math.min(cap, dataset.recordCount());
      if (first) {
        recordsCovered = Math.max(1, total);
      }
      try (DatasetReader reader = new DatasetReader(workspace.datasetDir(dataset.name()), dataset,
          id -> id < cap, batchSize);
           BehaviorSource source = sources.get()) {
        while (reader.hasNext()) {
          if (cancelled.getAsBoolean()) {
            if (cancelled instanceof Cancellation c) {
              c.check("INSPECT (after " + read + " records)");
            }
            throw new DeepBaseException(ErrorCode.CANCELLED, "INSPECT cancelled after " + read + " records");
          }
          RecordBatch batch = reader.next();
          grid.feed(batch, hypotheses, dataset, source.next(batch), first,
              first && request.stopsEarly() ? intervals : null);
          read += batch.size();
          batches++;
          if (first) {
            recordsRead = read;
          }
          Progress.current().report(task, read, total);
          if (first && request.stopsEarly() && batches >= MIN_BATCHES_BEFORE_STOP && converged()) {
            break;
          }
        }
      }
      if (first) {
        recordsUsed = read;
      }
    }

    /** Returns whether the early-stopping rule (tolerance, or a stable top k) is met. */
    private boolean converged() {
      return !Double.isNaN(request.tolerance()) && withinTolerance() || request.topK() > 0 && topStable();
    }

    private double fractionRead() {
      return (double) recordsRead / recordsCovered;
    }

    private boolean withinTolerance() {
      double read = fractionRead();
      for (BatchMeans[][][] byUnit : intervals) {
        for (BatchMeans[][] byHypothesis : byUnit) {
          for (BatchMeans[] byMeasure : byHypothesis) {
            for (BatchMeans b : byMeasure) {
              if (b.halfWidth(read) >= request.tolerance()) {
                return false;
              }
            }
          }
        }
      }
      return true;
    }

    /**
     * Returns whether, for every hypothesis and measure, the k best units' lower bounds all lie
     * above the other units' upper bounds: reading more could not change which units are the top k.
     */
    private boolean topStable() {
      int k = request.topK();
      double read = fractionRead();
      for (int h = 0; h < hypotheses.size(); h++) {
        for (int m = 0; m < measures.size(); m++) {
          List<double[]> ranked = new ArrayList<>(); // {score, half-width}
          for (int l = 0; l < grid.accumulators.length; l++) {
            for (int u = 0; u < grid.accumulators[l].length; u++) {
              ranked.add(new double[] {grid.accumulators[l][u][h][m].result().value(),
                  intervals[l][u][h][m].halfWidth(read)});
            }
          }
          if (ranked.size() <= k) {
            continue;
          }
          ranked.sort((a, b) -> Double.compare(b[0], a[0]));
          double lowestTop = Double.POSITIVE_INFINITY;
          for (int i = 0; i < k; i++) {
            lowestTop = Math.min(lowestTop, ranked.get(i)[0] - ranked.get(i)[1]);
          }
          double highestRest = Double.NEGATIVE_INFINITY;
          for (int i = k; i < ranked.size(); i++) {
            highestRest = Math.max(highestRest, ranked.get(i)[0] + ranked.get(i)[1]);
          }
          if (!(lowestTop > highestRest)) {
            return false;
          }
        }
      }
      return true;
    }

  }
}
