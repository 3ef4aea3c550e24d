package org.deepbase.engine.catalog;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Objects;

/**
 * Describes a dataset stored in {@code datasets/<name>/}: its inputs ({@code inputs.npy} float32
 * [N, ...input_shape] by default; or any numeric .npy, an array of an .npz, an Arrow IPC file or a
 * CSV file, see {@link #inputs()}) and optional {@code records.csv} (record_id plus metadata
 * columns, one row each). Record ids are row numbers of the inputs, so they are stable.
 *
 * @param name the dataset's SQL name
 * @param domain selects the hypothesis provider whose functions apply to these records
 * @param recordCount N
 * @param inputShape shape of one record's input
 * @param symbolShape the grid of symbols at which behaviors and annotations align
 * @param inputs the inputs file, relative to the dataset directory: {@code x.npy}, {@code x.npz}
 *     (array {@code inputs}) or {@code x.npz:key}, {@code x.arrow} (a fixed-size list column {@code
 *     inputs}, else the numeric columns) or {@code x.csv} (the numeric columns); null means {@code
 *     inputs.npy}
 * @param records the metadata CSV; null means {@code records.csv} when present
 * @param inputColumns for Arrow and CSV inputs: the columns forming the input vector (null: every
 *     numeric column but record_id); the other columns become metadata
 * @param annotations for .npz inputs: the arrays that are hypotheses (null: every array but the
 *     inputs)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DatasetDescriptor(
    @JsonProperty("name") String name,
    @JsonProperty("domain") String domain,
    @JsonProperty("record_count") int recordCount,
    @JsonProperty("input_shape") List<Integer> inputShape,
    @JsonProperty("symbol_shape") List<Integer> symbolShape,
    @JsonProperty("inputs") String inputs,
    @JsonProperty("records") String records,
    @JsonProperty("input_columns") List<String> inputColumns,
    @JsonProperty("annotations") List<String> annotations) {

  public static final String FILE_NAME = "dataset.json";
  public static final String INPUTS = "inputs.npy";
  public static final String RECORDS = "records.csv";

  public DatasetDescriptor {
    Objects.requireNonNull(name, "dataset name is null");
    domain = domain == null ? "generic" : domain;
    inputShape = inputShape == null ? List.of() : List.copyOf(inputShape);
    symbolShape = symbolShape == null ? List.of() : List.copyOf(symbolShape);
    inputColumns = inputColumns == null ? null : List.copyOf(inputColumns);
    annotations = annotations == null ? null : List.copyOf(annotations);
    if (recordCount < 0) {
      throw new IllegalArgumentException("record_count of dataset " + name + " is negative");
    }
  }

  /** Creates the descriptor of a dataset kept as {@code inputs.npy} plus {@code records.csv}. */
  public DatasetDescriptor(
      String name,
      String domain,
      int recordCount,
      List<Integer> inputShape,
      List<Integer> symbolShape) {
    this(name, domain, recordCount, inputShape, symbolShape, null, null, null, null);
  }

  /** Returns the inputs file spec, {@code inputs.npy} when unset. */
  public String inputsSpec() {
    return inputs == null ? INPUTS : inputs;
  }

  /** Returns whether record_count, input_shape and symbol_shape are all known. */
  public boolean complete() {
    return recordCount > 0 && !inputShape.isEmpty() && !symbolShape.isEmpty();
  }

  /** Returns a copy with the given sizes and shapes. */
  public DatasetDescriptor withShapes(int records, List<Integer> input, List<Integer> symbols) {
    return new DatasetDescriptor(
        name,
        domain,
        records,
        input,
        symbols,
        this.inputs,
        this.records,
        inputColumns,
        annotations);
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
