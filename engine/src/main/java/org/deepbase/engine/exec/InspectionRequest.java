package org.deepbase.engine.exec;

import java.util.List;
import java.util.Objects;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.extract.BehaviorKind;

/**
 * What INSPECT computes: models x units x hypotheses x measures over a dataset, and how.
 *
 * @param models the models argument (see {@link Targets#checkpoints})
 * @param units the units argument (see {@link Targets#layers})
 * @param hypotheses hypothesis names
 * @param measures measure names (single-unit measures, probe_accuracy, probe_f1)
 * @param dataset the dataset
 * @param tolerance stop once every score's interval half-width is below it; NaN = read everything
 * @param maxRecords read at most this many records (0 = all)
 * @param batchSize records per forward pass; 0 lets the engine choose (see {@link #chooseBatchSize})
 * @param exact whether dataset-threshold measures take a second pass to be exact
 * @param cache ON reads and writes the behavior cache, AUTO reads it when the cost model says it
 *     pays, OFF never touches it
 * @param topK with k > 0, stop once the k best units of every (hypothesis, measure) are separated
 *     from the others by their intervals; 0 = off
 * @param behavior activations (default) or input gradients (never cached)
 */
public record InspectionRequest(String models, String units, List<String> hypotheses, List<String> measures,
    String dataset, double tolerance, int maxRecords, int batchSize, boolean exact, CachePolicy cache, int topK,
    BehaviorKind behavior) implements java.io.Serializable {

  /** How an inspection uses the behavior cache. */
  public enum CachePolicy { OFF, AUTO, ON }


  /** Creates a request over activations. */
  public InspectionRequest(String models, String units, List<String> hypotheses, List<String> measures,
      String dataset, double tolerance, int maxRecords, int batchSize, boolean exact, CachePolicy cache, int topK) {
    this(models, units, hypotheses, measures, dataset, tolerance, maxRecords, batchSize, exact, cache, topK,
        BehaviorKind.ACTIVATION);
  }

  public InspectionRequest {
    Objects.requireNonNull(dataset, "dataset is null");
    Objects.requireNonNull(behavior, "behavior is null");
    hypotheses = List.copyOf(hypotheses);
    measures = List.copyOf(measures);
    if (!Double.isNaN(tolerance) && !(tolerance > 0)) {
      throw new DeepBaseException(ErrorCode.BAD_ARGUMENT, "tolerance must be positive, got " + tolerance);
    }
    if (topK < 0) {
      throw new DeepBaseException(ErrorCode.BAD_ARGUMENT, "top_k must be >= 0, got " + topK);
    }
    if (batchSize < 0 || maxRecords < 0) {
      throw new DeepBaseException(ErrorCode.BAD_ARGUMENT, "batch_size and max_records must be >= 0");
    }
  }

  /** Returns whether reading may stop before the end of the dataset. */
  public boolean stopsEarly() {
    return !Double.isNaN(tolerance) || topK > 0;
  }

  /** Memory allowed for one batch's behaviors (the DJL outputs and their Arrow copies). */
  static final long BATCH_BYTES = 64L << 20;

  /**
   * Returns the batch size to use: the requested one, or the largest (between 32 and 1024 records)
   * whose tapped behaviors fit in {@link #BATCH_BYTES}, counting the native output and the Arrow
   * copy of every unit of every tapped layer. Larger batches amortise per-call overhead; the cap
   * bounds memory whatever the layer sizes.
   */
  int chooseBatchSize(long bytesPerRecord) {
    if (batchSize > 0 && (double) batchSize * 2 * bytesPerRecord > MAX_BATCH_BYTES) {
      throw new DeepBaseException(ErrorCode.RESOURCE_LIMIT, "batch_size " + batchSize + " would hold "
          + (long) ((double) batchSize * 2 * bytesPerRecord / (1 << 20)) + " MiB of behaviors (" + 2 * bytesPerRecord
          + " bytes per record); a query may use " + (MAX_BATCH_BYTES >> 20) + " MiB per batch: use batch_size <= "
          + Math.max(1, MAX_BATCH_BYTES / Math.max(1, 2 * bytesPerRecord)) + " or leave it out");
    }
    return batchSize > 0 ? batchSize : automaticBatchSize(bytesPerRecord);
  }

  /** The most memory a requested batch may take for its behaviors (automatic batches take far less). */
  static final long MAX_BATCH_BYTES = 1L << 30;

  /** Returns the batch size the engine picks for behaviors of this many bytes per record. */
  public static int automaticBatchSize(long bytesPerRecord) {
    long fit = BATCH_BYTES / Math.max(1, 2 * bytesPerRecord);
    return (int) Math.max(32, Math.min(1024, fit));
  }
}
