package org.deepbase.engine.plan;

import java.util.List;
import java.util.Objects;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.extract.BehaviorKind;

/**
 * What an inspection computes: models x units x hypotheses x measures over a dataset, and how.
 * Built with {@link #builder(String)}; every part is typed, so a planner rule and INSPECT's text
 * arguments produce the same value.
 *
 * @param models the models and their checkpoints
 * @param units the units, per layer
 * @param hypotheses hypothesis names
 * @param measures the measures (single-unit measures, probe_accuracy, probe_f1)
 * @param dataset the dataset
 * @param stopping when reading may stop early
 * @param batchSize records per forward pass; 0 lets the engine choose (see {@link
 *     #chooseBatchSize})
 * @param exact whether dataset-threshold measures take a second pass to be exact
 * @param cache how the behavior cache is used
 * @param behavior activations (default) or input gradients (never cached)
 */
public record InspectionRequest(
    List<ModelTarget> models,
    List<UnitTarget> units,
    List<String> hypotheses,
    List<MeasureSpec> measures,
    String dataset,
    StoppingRule stopping,
    int batchSize,
    boolean exact,
    CachePolicy cache,
    BehaviorKind behavior)
    implements java.io.Serializable {

  public InspectionRequest {
    models = nonEmpty(models, "models");
    units = nonEmpty(units, "units");
    hypotheses = nonEmpty(hypotheses, "hypotheses");
    measures = nonEmpty(measures, "measures");
    Objects.requireNonNull(dataset, "dataset is null");
    Objects.requireNonNull(stopping, "stopping is null");
    Objects.requireNonNull(cache, "cache is null");
    Objects.requireNonNull(behavior, "behavior is null");
    if (batchSize < 0) {
      throw new DeepBaseException(
          ErrorCode.BAD_ARGUMENT, "batch_size must be >= 0, got " + batchSize);
    }
  }

  /**
   * Returns whether a measure takes its threshold on the layers' own grids: the extractor (and the
   * behavior cache, which keeps layers on their own grids) then delivers those values too.
   */
  public boolean needsRawGrids() {
    return measures.stream().anyMatch(MeasureSpec::rawThreshold);
  }

  private static <T> List<T> nonEmpty(List<T> items, String argument) {
    if (items == null || items.isEmpty()) {
      throw new DeepBaseException(
          ErrorCode.BAD_ARGUMENT, "INSPECT needs a non-empty '" + argument + "' argument");
    }
    return List.copyOf(items);
  }

  /**
   * Starts a request over a dataset: exhaustive, exact, cache AUTO, activations, automatic batches.
   */
  public static Builder builder(String dataset) {
    return new Builder(dataset);
  }

  /** Returns whether reading may stop before the end of the dataset. */
  public boolean stopsEarly() {
    return stopping.stopsEarly();
  }

  /** Memory allowed for one batch's behaviors (the DJL outputs and their Arrow copies). */
  static final long BATCH_BYTES = 64L << 20;

  /**
   * Returns the batch size to use: the requested one, or the largest (between 32 and 1024 records)
   * whose tapped behaviors fit in {@link #BATCH_BYTES}, counting the native output and the Arrow
   * copy of every unit of every tapped layer. Larger batches amortise per-call overhead; the cap
   * bounds memory whatever the layer sizes.
   */
  public int chooseBatchSize(long bytesPerRecord) {
    if (batchSize > 0 && (double) batchSize * 2 * bytesPerRecord > MAX_BATCH_BYTES) {
      throw new DeepBaseException(
          ErrorCode.RESOURCE_LIMIT,
          "batch_size "
              + batchSize
              + " would hold "
              + (long) ((double) batchSize * 2 * bytesPerRecord / (1 << 20))
              + " MiB of behaviors ("
              + 2 * bytesPerRecord
              + " bytes per record); a query may use "
              + (MAX_BATCH_BYTES >> 20)
              + " MiB per batch: use batch_size <= "
              + Math.max(1, MAX_BATCH_BYTES / Math.max(1, 2 * bytesPerRecord))
              + " or leave it out");
    }
    return batchSize > 0 ? batchSize : automaticBatchSize(bytesPerRecord);
  }

  /**
   * The most memory a requested batch may take for its behaviors (automatic batches take far less).
   */
  static final long MAX_BATCH_BYTES = 1L << 30;

  /** Returns the batch size the engine picks for behaviors of this many bytes per record. */
  public static int automaticBatchSize(long bytesPerRecord) {
    long fit = BATCH_BYTES / Math.max(1, 2 * bytesPerRecord);
    return (int) Math.max(32, Math.min(1024, fit));
  }

  /** Builds a request; the defaults are those of INSPECT with only its required arguments. */
  public static final class Builder {
    private final String dataset;
    private List<ModelTarget> models = List.of();
    private List<UnitTarget> units = List.of();
    private List<String> hypotheses = List.of();
    private List<MeasureSpec> measures = List.of();
    private StoppingRule stopping = StoppingRule.EXHAUSTIVE;
    private int batchSize;
    private boolean exact = true;
    private CachePolicy cache = CachePolicy.AUTO;
    private BehaviorKind behavior = BehaviorKind.ACTIVATION;

    private Builder(String dataset) {
      this.dataset = dataset;
    }

    public Builder models(List<ModelTarget> value) {
      models = value;
      return this;
    }

    public Builder units(List<UnitTarget> value) {
      units = value;
      return this;
    }

    public Builder hypotheses(List<String> value) {
      hypotheses = value;
      return this;
    }

    public Builder measures(List<MeasureSpec> value) {
      measures = value;
      return this;
    }

    public Builder stopping(StoppingRule value) {
      stopping = value;
      return this;
    }

    /** Records per forward pass; 0 lets the engine choose. */
    public Builder batchSize(int value) {
      batchSize = value;
      return this;
    }

    /** Whether dataset-threshold measures take a second pass to be exact (default true). */
    public Builder exact(boolean value) {
      exact = value;
      return this;
    }

    public Builder cache(CachePolicy value) {
      cache = value;
      return this;
    }

    public Builder behavior(BehaviorKind value) {
      behavior = value;
      return this;
    }

    /** Returns the request, failing with the argument's name on an empty or invalid part. */
    public InspectionRequest build() {
      return new InspectionRequest(
          models,
          units,
          hypotheses,
          measures,
          dataset,
          stopping,
          batchSize,
          exact,
          cache,
          behavior);
    }
  }
}
