package org.deepbase.engine.exec;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.apache.arrow.memory.BufferAllocator;
import org.checkerframework.checker.nullness.qual.Nullable;
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
import org.deepbase.engine.hypothesis.Hypotheses;
import org.deepbase.engine.hypothesis.Hypothesis;
import org.deepbase.engine.measure.Accumulator;
import org.deepbase.engine.measure.ProbeAccumulator;
import org.deepbase.engine.measure.Score;
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
    DatasetDescriptor dataset = workspace.dataset(request.dataset());
    List<Hypothesis> hypotheses = new ArrayList<>();
    for (String name : request.hypotheses()) {
      hypotheses.add(workspace.hypothesis(dataset, name));
    }
    List<String> unitMeasures = new ArrayList<>();
    List<String> probeMeasures = new ArrayList<>();
    for (String m : request.measures()) {
      if (PROBES.contains(m)) {
        probeMeasures.add(m);
      } else {
        MeasureSpec.parse(m).create(false); // fails early, naming the known measures
        unitMeasures.add(m);
      }
    }
    List<InspectionRow> rows = new ArrayList<>();
    for (Checkpoint checkpoint : Targets.checkpoints(workspace, request.models())) {
      ModelDescriptor model = workspace.model(checkpoint.model());
      if (!model.inputShape().equals(dataset.inputShape())) {
        throw new DeepBaseException(ErrorCode.SHAPE_MISMATCH, "dataset '" + dataset.name() + "' has input shape "
            + dataset.inputShape() + " but model '" + model.name() + "' expects " + model.inputShape());
      }
      List<LayerRequest> layers = Targets.layers(workspace, model, request.units());
      if (DryRun.active()) {
        continue; // everything named exists: validation done, no model runs
      }
      rows.addAll(new CheckpointRun(model, checkpoint, dataset, layers, hypotheses, unitMeasures, probeMeasures).run());
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
    /** [layer][unit][hypothesis][measure]. */
    private final Accumulator[][][][] accumulators;
    private final BatchMeans[][][][] intervals;
    /** Which accumulators are in their second (exact) pass. */
    private final boolean[][][][] secondPass;
    /** [layer][hypothesis]. */
    private final ProbeAccumulator[][] probes;
    private long recordsUsed;

    CheckpointRun(ModelDescriptor model, Checkpoint checkpoint, DatasetDescriptor dataset, List<LayerRequest> layers,
        List<Hypothesis> hypotheses, List<String> measures, List<String> probeMeasures) {
      this.model = model;
      this.checkpoint = checkpoint;
      this.dataset = dataset;
      this.layers = layers;
      this.hypotheses = hypotheses;
      this.measures = measures;
      this.probeMeasures = probeMeasures;
      accumulators = new Accumulator[layers.size()][][][];
      intervals = new BatchMeans[layers.size()][][][];
      secondPass = new boolean[layers.size()][][][];
      probes = new ProbeAccumulator[layers.size()][hypotheses.size()];
      for (int l = 0; l < layers.size(); l++) {
        int units = layers.get(l).units().length;
        accumulators[l] = new Accumulator[units][hypotheses.size()][measures.size()];
        intervals[l] = new BatchMeans[units][hypotheses.size()][measures.size()];
        secondPass[l] = new boolean[units][hypotheses.size()][measures.size()];
        for (int u = 0; u < units; u++) {
          for (int h = 0; h < hypotheses.size(); h++) {
            for (int m = 0; m < measures.size(); m++) {
              accumulators[l][u][h][m] = newAccumulator(m);
              intervals[l][u][h][m] = new BatchMeans();
            }
          }
        }
        if (!probeMeasures.isEmpty()) {
          for (int h = 0; h < hypotheses.size(); h++) {
            probes[l][h] = new ProbeAccumulator(ProbeAccumulator.Settings.defaults(), units);
          }
        }
      }
    }

    private Accumulator newAccumulator(int m) {
      return MeasureSpec.parse(measures.get(m)).create(request.exact());
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
          if (startSecondPass()) {
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
            if (startSecondPass()) {
              pass(() -> new ExtractingSource(extractor, allocator, List.of(), costs, costKey), batchSize, false, recordsUsed);
            }
          }
        }
      }
      return rows();
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

    /** Starts the second pass of every accumulator that wants one; returns whether any did. */
    private boolean startSecondPass() {
      boolean any = false;
      for (int l = 0; l < accumulators.length; l++) {
        for (int u = 0; u < accumulators[l].length; u++) {
          for (int h = 0; h < hypotheses.size(); h++) {
            for (int m = 0; m < measures.size(); m++) {
              Accumulator a = accumulators[l][u][h][m];
              if (a.wantsAnotherPass()) {
                a.startPass();
                secondPass[l][u][h][m] = true;
                any = true;
              }
            }
          }
        }
      }
      return any;
    }

    /** Streams records; the first pass may stop early, the second reads exactly {@code limit} records. */
    private void pass(java.util.function.Supplier<BehaviorSource> sources, int batchSize, boolean first, long limit) {
      long cap = request.maxRecords() > 0 ? Math.min(limit, request.maxRecords()) : limit;
      long read = 0;
      int batches = 0;
      String task = "inspect " + model.name() + "@" + checkpoint.epoch() + (first ? "" : " (exact pass)");
      long total = Math.min(cap, dataset.recordCount());
      try (DatasetReader reader = new DatasetReader(workspace.datasetDir(dataset.name()), dataset,
          id -> id < cap, batchSize);
           BehaviorSource source = sources.get()) {
        while (reader.hasNext()) {
          if (cancelled.getAsBoolean()) {
            if (cancelled instanceof Cancellation c) {
              c.check("INSPECT (after " + read + " records)");
            }
            throw new DeepBaseException(ErrorCode.BAD_ARGUMENT, "INSPECT cancelled after " + read + " records");
          }
          RecordBatch batch = reader.next();
          FloatBuffer[] annotations = annotate(batch);
          List<BehaviorBatch> behaviors = source.next(batch);
          try {
            feed(behaviors, annotations, batch.size(), first);
          } finally {
            behaviors.forEach(BehaviorBatch::close);
          }
          read += batch.size();
          batches++;
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

    private FloatBuffer[] annotate(RecordBatch batch) {
      FloatBuffer[] out = new FloatBuffer[hypotheses.size()];
      int symbols = dataset.symbolCount();
      for (int h = 0; h < hypotheses.size(); h++) {
        float[] values = new float[batch.size() * symbols];
        for (int r = 0; r < batch.size(); r++) {
          System.arraycopy(Hypotheses.annotate(hypotheses.get(h), dataset, batch.records().get(r)), 0, values,
              r * symbols, symbols);
        }
        out[h] = FloatBuffer.wrap(values);
      }
      return out;
    }

    private void feed(List<BehaviorBatch> behaviors, FloatBuffer[] annotations, int records, boolean first) {
      boolean tracked = first && request.stopsEarly();
      for (int l = 0; l < layers.size(); l++) {
        BehaviorBatch batch = behaviors.get(l);
        int symbols = batch.symbols();
        if (symbols != dataset.symbolCount()) {
          throw new DeepBaseException(ErrorCode.SHAPE_MISMATCH, "layer '" + batch.layer().name() + "' has "
              + symbols + " symbols per record but the hypotheses annotate " + dataset.symbolCount()
              + " (dataset symbol shape " + dataset.symbolShape() + ")");
        }
        int[] requested = layers.get(l).units();
        FloatBuffer[] views = new FloatBuffer[requested.length];
        for (int u = 0; u < views.length; u++) {
          // The batch may hold more units than requested (when filling the cache): find ours.
          int position = batch.units().length == requested.length ? u : requested[u];
          // A view of the Arrow vector's data: no copy.
          views[u] = batch.vectors().get(position).getDataBuffer().nioBuffer(0, records * symbols * Float.BYTES)
              .order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        }
        int layer = l;
        // Units are independent: feed them on all cores (absolute reads of shared buffers are safe).
        IntStream.range(0, views.length).parallel().forEach(u -> {
          // Per-record thresholds depend on the unit only: compute them once for all hypotheses.
          java.util.Map<Double, double[]> thresholds = new java.util.HashMap<>();
          float[] scratch = new float[symbols];
          for (int h = 0; h < hypotheses.size(); h++) {
            for (int m = 0; m < measures.size(); m++) {
              Accumulator total = accumulators[layer][u][h][m];
              if (tracked) {
                Accumulator part = newAccumulator(m);
                add(part, views[u], annotations[h], records, symbols, thresholds, scratch);
                intervals[layer][u][h][m].add(part.result().value());
                total.merge(part);
              } else if (first || secondPass[layer][u][h][m]) {
                add(total, views[u], annotations[h], records, symbols, thresholds, scratch);
              }
            }
          }
        });
        if (first) {
          for (int h = 0; h < hypotheses.size(); h++) {
            if (probes[l][h] != null) {
              probes[l][h].add(views, annotations[h], records, symbols);
            }
          }
        }
      }
    }

    private static void add(Accumulator accumulator, FloatBuffer values, FloatBuffer annotations, int records,
        int symbols, java.util.Map<Double, double[]> thresholds, float[] scratch) {
      if (accumulator instanceof org.deepbase.engine.measure.LocalIouAccumulator local) {
        double[] t = thresholds.computeIfAbsent(local.quantile(), q -> {
          double[] out = new double[records];
          org.deepbase.engine.measure.LocalIouAccumulator.thresholds(values, records, symbols, q, scratch, out);
          return out;
        });
        local.addWithThresholds(values, annotations, records, symbols, t);
      } else {
        accumulator.add(values, annotations, records, symbols);
      }
    }

    /** Returns whether the early-stopping rule (tolerance, or a stable top k) is met. */
    private boolean converged() {
      return !Double.isNaN(request.tolerance()) && withinTolerance() || request.topK() > 0 && topStable();
    }

    private boolean withinTolerance() {
      for (BatchMeans[][][] byUnit : intervals) {
        for (BatchMeans[][] byHypothesis : byUnit) {
          for (BatchMeans[] byMeasure : byHypothesis) {
            for (BatchMeans b : byMeasure) {
              if (b.halfWidth() >= request.tolerance()) {
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
      for (int h = 0; h < hypotheses.size(); h++) {
        for (int m = 0; m < measures.size(); m++) {
          List<double[]> ranked = new ArrayList<>(); // {score, half-width}
          for (int l = 0; l < accumulators.length; l++) {
            for (int u = 0; u < accumulators[l].length; u++) {
              ranked.add(new double[] {accumulators[l][u][h][m].result().value(), intervals[l][u][h][m].halfWidth()});
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

    private List<InspectionRow> rows() {
      List<InspectionRow> rows = new ArrayList<>();
      boolean early = request.stopsEarly();
      for (int l = 0; l < layers.size(); l++) {
        LayerRequest layer = layers.get(l);
        for (int h = 0; h < hypotheses.size(); h++) {
          for (int u = 0; u < layer.units().length; u++) {
            for (int m = 0; m < measures.size(); m++) {
              Score s = accumulators[l][u][h][m].result();
              double low = s.ciLow();
              double high = s.ciHigh();
              if (early) {
                double hw = intervals[l][u][h][m].halfWidth();
                low = Math.min(low, s.value() - hw);
                high = Math.max(high, s.value() + hw);
              }
              rows.add(row(layer, layer.units()[u], hypotheses.get(h).name(), measures.get(m), s.value(), low, high));
            }
          }
          if (probes[l][h] != null) {
            ProbeAccumulator.Result r = probes[l][h].result();
            for (String m : probeMeasures) {
              double score = m.equals("probe_accuracy") ? r.accuracy() : r.f1();
              rows.add(row(layer, null, hypotheses.get(h).name(), m, score, score, score));
            }
            for (int u = 0; u < layer.units().length; u++) {
              double importance = r.importance()[u];
              rows.add(row(layer, layer.units()[u], hypotheses.get(h).name(), "probe_importance", importance,
                  importance, importance));
            }
          }
        }
      }
      return rows;
    }

    private InspectionRow row(LayerRequest layer, @Nullable Integer unit, String hypothesis, String measure,
        double score, double low, double high) {
      return new InspectionRow(model.name(), checkpoint.epoch(), layer.layer().name(), unit, hypothesis, measure,
          score, recordsUsed, low, high);
    }
  }
}
