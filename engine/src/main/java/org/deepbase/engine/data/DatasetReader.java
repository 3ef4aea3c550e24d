package org.deepbase.engine.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.IntPredicate;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.catalog.DatasetDescriptor;

/**
 * Streams a dataset's records in batches, in record_id order.
 *
 * <p>Inputs are read from the mapped float32 .npy (see {@link DatasetFiles}) and metadata from the
 * records CSV line by line, so memory is one batch whatever the dataset size, and one array holds
 * the inputs of every batch in turn.
 */
public final class DatasetReader implements AutoCloseable {
  private final DatasetDescriptor dataset;

  /** The inputs .npy, read by position: datasets may hold more than a mapping's 2 GB. */
  private final FileChannel inputs;

  private final long dataStart;
  private final BufferedReader csv;
  private final String[] columns;
  private final IntPredicate selected;
  private final int batchSize;
  private final boolean withInputs;

  /** This reader's buffer between the file and a batch's array ({@link Npy#readFloats}). */
  private final ByteBuffer chunk;

  /** The inputs of the last batch read (and room for a batch); see {@link #next}. */
  private float[] values = new float[0];

  private int next;

  /** Opens a dataset directory; {@code selected} picks record ids (all when it accepts all). */
  public DatasetReader(Path dir, DatasetDescriptor dataset, IntPredicate selected, int batchSize) {
    this(dir, dataset, selected, batchSize, true);
  }

  /**
   * Opens a dataset directory.
   *
   * @param withInputs whether to read the records' inputs; without, each record's input is empty
   *     (its metadata is still read)
   */
  public DatasetReader(
      Path dir,
      DatasetDescriptor dataset,
      IntPredicate selected,
      int batchSize,
      boolean withInputs) {
    this.withInputs = withInputs;
    this.dataset = dataset;
    this.selected = selected;
    this.batchSize = batchSize;
    this.chunk = Npy.chunk(dataset.inputSize());
    FileChannel channel = null;
    try {
      Path file = DatasetFiles.inputs(dir, dataset);
      channel = FileChannel.open(file, StandardOpenOption.READ);
      Npy.Layout layout = Npy.layout(file, channel);
      long expected = (long) dataset.recordCount() * dataset.inputSize();
      if ((channel.size() - layout.dataStart()) / Float.BYTES < expected) {
        throw new DeepBaseException(
            ErrorCode.BAD_WORKSPACE,
            "dataset '"
                + dataset.name()
                + "': inputs "
                + dataset.inputsSpec()
                + " have shape "
                + layout.shape()
                + ", expected "
                + dataset.recordCount()
                + " records of "
                + dataset.inputShape());
      }
      this.inputs = channel;
      this.dataStart = layout.dataStart();
      java.util.Optional<Path> records = DatasetFiles.records(dir, dataset);
      this.csv = records.isPresent() ? Files.newBufferedReader(records.get()) : null;
      String header = csv == null ? null : csv.readLine();
      this.columns = header == null ? new String[0] : CsvLine.split(header).toArray(new String[0]);
    } catch (IOException | RuntimeException e) {
      closeQuietly(channel, e);
      if (e instanceof IOException io) {
        throw new DeepBaseException(
            ErrorCode.BAD_WORKSPACE,
            "cannot open dataset '" + dataset.name() + "' in " + dir + ": " + io.getMessage(),
            io);
      }
      throw (RuntimeException) e;
    }
  }

  private static void closeQuietly(@Nullable FileChannel channel, Exception cause) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException suppressed) {
        cause.addSuppressed(suppressed);
      }
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

  /**
   * Reads the next batch of up to batchSize selected records. The batch's inputs are read into this
   * reader's array, which the next batch overwrites: a caller that keeps inputs beyond the next
   * call copies them, as a database cursor's row is valid until the cursor moves.
   */
  public RecordBatch next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    int size = withInputs ? dataset.inputSize() : 0;
    // A batch never holds more than the records left: a huge batch_size costs nothing extra.
    int capacity = (int) Math.min(batchSize, (long) dataset.recordCount() - next);
    // One array for all batches: a batch of images is megabytes, and the previous one is done.
    int floats = Math.multiplyExact(capacity, size);
    if (values.length < floats) {
      values = new float[floats];
    }
    List<Integer> ids = new ArrayList<>(capacity);
    List<Map<String, String>> metadata = new ArrayList<>(capacity);
    while (ids.size() < batchSize && next < dataset.recordCount()) {
      Map<String, String> row = readLine();
      if (selected.test(next)) {
        if (withInputs) {
          read(next, values, ids.size() * size);
        }
        ids.add(next);
        metadata.add(row);
      }
      next++;
    }
    FloatBuffer packed = FloatBuffer.wrap(values, 0, ids.size() * size);
    List<DatasetRecord> records = new ArrayList<>(ids.size());
    for (int i = 0; i < ids.size(); i++) {
      records.add(
          new DatasetRecord(
              ids.get(i), packed.slice(i * size, size).asReadOnlyBuffer(), metadata.get(i)));
    }
    return new RecordBatch(packed, List.copyOf(records));
  }

  /** Reads record {@code id}'s inputs into {@code values} from {@code offset}. */
  private void read(int id, float[] values, int offset) {
    long position = dataStart + (long) id * dataset.inputSize() * Float.BYTES;
    try {
      Npy.readFloats(inputs, position, values, offset, dataset.inputSize(), chunk);
    } catch (java.io.EOFException e) {
      throw new DeepBaseException(
          ErrorCode.BAD_WORKSPACE,
          "dataset '"
              + dataset.name()
              + "': inputs end before record "
              + id
              + " ("
              + e.getMessage()
              + ")",
          e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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
    try (FileChannel owned = inputs) {
      if (csv != null) {
        csv.close();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
