package org.deepbase.engine.exec;

import java.util.List;
import java.util.Objects;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;

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
 * @param batchSize records per forward pass
 * @param exact whether dataset-threshold measures take a second pass to be exact
 */
public record InspectionRequest(String models, String units, List<String> hypotheses, List<String> measures,
    String dataset, double tolerance, int maxRecords, int batchSize, boolean exact) {

  public InspectionRequest {
    Objects.requireNonNull(dataset, "dataset is null");
    hypotheses = List.copyOf(hypotheses);
    measures = List.copyOf(measures);
    if (!Double.isNaN(tolerance) && !(tolerance > 0)) {
      throw new DeepBaseException(ErrorCode.BAD_ARGUMENT, "tolerance must be positive, got " + tolerance);
    }
    if (batchSize < 1 || maxRecords < 0) {
      throw new DeepBaseException(ErrorCode.BAD_ARGUMENT, "batch_size must be >= 1 and max_records >= 0");
    }
  }
}
