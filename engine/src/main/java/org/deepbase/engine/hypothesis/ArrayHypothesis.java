package org.deepbase.engine.hypothesis;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.catalog.DatasetDescriptor;
import org.deepbase.engine.data.DatasetFiles;
import org.deepbase.engine.data.DatasetRecord;
import org.deepbase.engine.data.Npy;

/**
 * A hypothesis given as data: an array [N, ...symbol_shape] stored beside the inputs in the
 * dataset's .npz, one annotation per record and symbol. Its shape is checked when it is used, so a
 * wrong array fails the query that names it (saying both shapes) and nothing else.
 */
public final class ArrayHypothesis implements Hypothesis {
  /**
   * Floats per positional read: a few system calls per batch through a buffer far smaller than it.
   */
  private final String name;

  private final Path datasetDir;
  private final Path npz;
  private final Npy.Header header;
  private final DatasetDescriptor dataset;

  /** The array's .npy file and where its data starts, once its shape was checked. */
  private record Located(Path file, long dataStart) {}

  private volatile @org.checkerframework.checker.nullness.qual.Nullable Located located;

  private ArrayHypothesis(
      String name, Path datasetDir, Path npz, Npy.Header header, DatasetDescriptor dataset) {
    this.name = name;
    this.datasetDir = datasetDir;
    this.npz = npz;
    this.header = header;
    this.dataset = dataset;
  }

  /** Returns the annotation arrays of a dataset kept in an .npz, by name (none otherwise). */
  public static Map<String, Hypothesis> forDataset(Path datasetDir, DatasetDescriptor dataset) {
    Map<String, Hypothesis> out = new TreeMap<>();
    var npz = DatasetFiles.npz(datasetDir, dataset);
    if (npz.isEmpty()) {
      return out;
    }
    String inputs = DatasetFiles.npzInputsKey(datasetDir, dataset);
    try {
      for (Map.Entry<String, Npy.Header> array : DatasetFiles.npzArrays(npz.get()).entrySet()) {
        String key = array.getKey();
        if (!key.equals(inputs)
            && (dataset.annotations() == null || dataset.annotations().contains(key))) {
          out.put(key, new ArrayHypothesis(key, datasetDir, npz.get(), array.getValue(), dataset));
        }
      }
    } catch (IOException e) {
      throw new DeepBaseException(
          ErrorCode.BAD_WORKSPACE,
          "dataset '"
              + dataset.name()
              + "': cannot read "
              + npz.get().getFileName()
              + ": "
              + e.getMessage(),
          e);
    }
    return out;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String description() {
    return "annotation array " + header.shape() + " in " + npz.getFileName();
  }

  @Override
  public String kind() {
    return "annotation array";
  }

  /** {@inheritDoc} False: the annotations are read from their own array. */
  @Override
  public boolean readsInputs() {
    return false;
  }

  /**
   * {@inheritDoc} Read by position, not mapped: an inspection reads every record of every array it
   * names, and a mapping's pages would stay resident, growing with the dataset (6 GB for twelve
   * masks of 10,000 images), and a mapping holds at most 2 GB.
   */
  @Override
  public float[] annotate(DatasetRecord record) {
    return annotateAll(List.of(record));
  }

  /**
   * {@inheritDoc} Each run of consecutive record ids is one positional read into one buffer for the
   * batch: record by record, the batch cost a file open, a zeroed buffer and two copies per record
   * and hypothesis (4.8 GB allocated per pass over 2,000 images with twelve masks). Read by
   * position, not mapped, as {@link #annotate} is.
   */
  @Override
  public float[] annotateAll(List<DatasetRecord> records) {
    Located at = located();
    int symbols = dataset.symbolCount();
    float[] out = new float[records.size() * symbols];
    // Read through a small buffer into the result: a buffer for the whole batch doubled what a
    // pass allocates for annotations (2.6 GB over 2,000 images with twelve masks).
    ByteBuffer chunk = Npy.chunk(out.length);
    try (FileChannel channel = FileChannel.open(at.file(), StandardOpenOption.READ)) {
      int r = 0;
      while (r < records.size()) {
        int first = records.get(r).recordId();
        int run = 1;
        while (r + run < records.size() && records.get(r + run).recordId() == first + run) {
          run++;
        }
        long from = at.dataStart() + (long) first * symbols * Float.BYTES;
        Npy.readFloats(channel, from, out, r * symbols, run * symbols, chunk);
        r += run;
      }
    } catch (IOException e) {
      throw unreadable(e);
    }
    return out;
  }

  private DeepBaseException unreadable(IOException e) {
    return new DeepBaseException(
        ErrorCode.BAD_WORKSPACE,
        "cannot read annotation array '"
            + name
            + "' of "
            + npz.getFileName()
            + ": "
            + e.getMessage(),
        e);
  }

  private Located located() {
    Located at = located;
    if (at == null) {
      List<Integer> expected = new ArrayList<>(List.of(dataset.recordCount()));
      expected.addAll(dataset.symbolShape());
      boolean sameSymbols =
          header.shape().size() >= 1
              && org.deepbase.engine.catalog.Shapes.product(header.recordShape())
                  == dataset.symbolCount();
      if (header.shape().isEmpty()
          || header.shape().get(0) != dataset.recordCount()
          || !sameSymbols) {
        throw new DeepBaseException(
            ErrorCode.SHAPE_MISMATCH,
            "annotation array '"
                + name
                + "' in "
                + npz.getFileName()
                + " has shape "
                + header.shape()
                + "; dataset '"
                + dataset.name()
                + "' needs "
                + expected
                + " (record_count x symbol_shape)");
      }
      try {
        Path file = DatasetFiles.npzArray(datasetDir, npz, name);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
          at = new Located(file, Npy.layout(file, channel).dataStart());
        }
      } catch (IOException e) {
        throw unreadable(e);
      }
      located = at;
    }
    return at;
  }
}
