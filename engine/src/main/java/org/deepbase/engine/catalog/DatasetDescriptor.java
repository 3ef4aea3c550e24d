package org.deepbase.engine.catalog;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Objects;

/**
 * Describes a dataset stored in {@code datasets/<name>/}: {@code inputs.npy} (float32
 * [N, ...input_shape]) and {@code records.csv} (record_id plus metadata columns, one row each).
 *
 * @param name the dataset's SQL name
 * @param domain selects the hypothesis provider whose functions apply to these records
 * @param recordCount N
 * @param inputShape shape of one record's input
 * @param symbolShape the grid of symbols at which behaviors and annotations align
 */
public record DatasetDescriptor(
    @JsonProperty("name") String name,
    @JsonProperty("domain") String domain,
    @JsonProperty("record_count") int recordCount,
    @JsonProperty("input_shape") List<Integer> inputShape,
    @JsonProperty("symbol_shape") List<Integer> symbolShape) {

  public static final String FILE_NAME = "dataset.json";
  public static final String INPUTS = "inputs.npy";
  public static final String RECORDS = "records.csv";

  public DatasetDescriptor {
    Objects.requireNonNull(name, "dataset name is null");
    Objects.requireNonNull(domain, "dataset domain is null");
    inputShape = List.copyOf(inputShape);
    symbolShape = List.copyOf(symbolShape);
    if (recordCount < 0) {
      throw new IllegalArgumentException("record_count of dataset " + name + " is negative");
    }
  }

  /** Returns the number of symbols in one record (product of the symbol shape). */
  public int symbolCount() {
    return Shapes.product(symbolShape);
  }

  /** Returns the number of floats in one record's input. */
  public int inputSize() {
    return Shapes.product(inputShape);
  }
}
