package org.deepbase.engine.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.IntPredicate;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.catalog.DatasetDescriptor;

/**
 * Streams a dataset's records in batches, in record_id order.
 *
 * <p>Inputs are read from the mapped float32 .npy (see {@link DatasetFiles}) and metadata from the
 * records CSV line by line, so memory is one batch whatever the dataset size.
 */
public final class DatasetReader implements AutoCloseable {
  private final DatasetDescriptor dataset;
  private final FloatBuffer inputs;
  private final BufferedReader csv;
  private final String[] columns;
  private final IntPredicate selected;
  private final int batchSize;
  private int next;

  /** Opens a dataset directory; {@code selected} picks record ids (all when it accepts all). */
  public DatasetReader(Path dir, DatasetDescriptor dataset, IntPredicate selected, int batchSize) {
    this.dataset = dataset;
    this.selected = selected;
    this.batchSize = batchSize;
    try {
      Npy.FloatArray array = Npy.map(DatasetFiles.inputs(dir, dataset));
      long expected = (long) dataset.recordCount() * dataset.inputSize();
      if (array.data().remaining() / Float.BYTES < expected) {
        throw new DeepBaseException(
            ErrorCode.BAD_WORKSPACE,
            "dataset '"
                + dataset.name()
                + "': inputs "
                + dataset.inputsSpec()
                + " have shape "
                + array.shape()
                + ", expected "
                + dataset.recordCount()
                + " records of "
                + dataset.inputShape());
      }
      this.inputs = array.data().asFloatBuffer();
      java.util.Optional<Path> records = DatasetFiles.records(dir, dataset);
      this.csv = records.isPresent() ? Files.newBufferedReader(records.get()) : null;
      String header = csv == null ? null : csv.readLine();
      this.columns = header == null ? new String[0] : CsvLine.split(header).toArray(new String[0]);
    } catch (IOException e) {
      throw new DeepBaseException(
          ErrorCode.BAD_WORKSPACE,
          "cannot open dataset '" + dataset.name() + "' in " + dir + ": " + e.getMessage(),
          e);
    }
  }

  /** Returns whether another batch with at least one selected record remains. */
  public boolean hasNext() {
    while (next < dataset.recordCount() && !selected.test(next)) {
      skipLine();
      next++;
    }
    return next < dataset.recordCount();
  }

  /** Reads the next batch of up to batchSize selected records. */
  public RecordBatch next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    int size = dataset.inputSize();
    // A batch never holds more than the records left: a huge batch_size costs nothing extra.
    int capacity = (int) Math.min(batchSize, (long) dataset.recordCount() - next);
    FloatBuffer packed = FloatBuffer.allocate(Math.multiplyExact(capacity, size));
    List<DatasetRecord> records = new ArrayList<>(capacity);
    while (records.size() < batchSize && next < dataset.recordCount()) {
      Map<String, String> metadata = readLine();
      if (selected.test(next)) {
        FloatBuffer input = inputs.slice(next * size, size);
        int at = packed.position();
        packed.put(input.duplicate());
        records.add(new DatasetRecord(next, packed.slice(at, size).asReadOnlyBuffer(), metadata));
      }
      next++;
    }
    packed.flip();
    return new RecordBatch(packed, List.copyOf(records));
  }

  private void skipLine() {
    readLine();
  }

  private Map<String, String> readLine() {
    if (csv == null) {
      return Map.of();
    }
    try {
      String line = csv.readLine();
      if (line == null) {
        throw new DeepBaseException(
            ErrorCode.BAD_WORKSPACE,
            "dataset '" + dataset.name() + "': records.csv ends before record " + next);
      }
      List<String> values = CsvLine.split(line);
      Map<String, String> row = new HashMap<>(columns.length * 2);
      for (int i = 0; i < columns.length && i < values.size(); i++) {
        row.put(columns[i], values.get(i));
      }
      return row;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    if (csv == null) {
      return;
    }
    try {
      csv.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
