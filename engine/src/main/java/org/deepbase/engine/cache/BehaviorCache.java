package org.deepbase.engine.cache;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.TransferPair;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.catalog.Checkpoint;
import org.deepbase.engine.catalog.DatasetDescriptor;
import org.deepbase.engine.catalog.LayerInfo;
import org.deepbase.engine.extract.BehaviorBatch;
import org.deepbase.engine.extract.GridAlignment;
import org.deepbase.engine.extract.Vectors;
import org.deepbase.engine.workspace.Workspace;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores extracted behaviors as Arrow IPC files, one per (checkpoint file content, layer, dataset),
 * so a later query over the same units reads instead of re-running the model.
 *
 * <p>The key hashes the checkpoint file's bytes (a retrained or replaced model never hits a stale
 * entry), the layer, and the dataset's name, size and modification time. Entries hold every unit of
 * the layer, one row per (record, symbol), in record batches; they are written to a temporary file
 * and moved into place atomically, and carry the record count in their schema metadata. An entry
 * that cannot be read completely (truncated, corrupt, wrong shape) is deleted and rebuilt.
 */
public final class BehaviorCache {
  private static final Logger LOG = LoggerFactory.getLogger(BehaviorCache.class);
  private static final String RECORDS = "deepbase.records";
  private static final String BATCH = "deepbase.batch";

  private final Path dir;

  public BehaviorCache(Workspace workspace) {
    this.dir = workspace.root().resolve("cache").resolve("behaviors");
  }

  /** Returns the entry file of a checkpoint's layer over a dataset. */
  public Path entry(
      Checkpoint checkpoint, LayerInfo layer, DatasetDescriptor dataset, Path datasetDir) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      try (InputStream in =
          new DigestInputStream(Files.newInputStream(checkpoint.path()), digest)) {
        in.transferTo(java.io.OutputStream.nullOutputStream());
      }
      Path inputs = org.deepbase.engine.data.DatasetFiles.inputs(datasetDir, dataset);
      String rest =
          "|"
              + layer.model()
              + "|"
              + layer.name()
              + "|"
              + layer.shape()
              + "|"
              + dataset.name()
              + "|own-grid|"
              + Files.size(inputs)
              + "|"
              + Files.getLastModifiedTime(inputs).toMillis();
      digest.update(rest.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return dir.resolve(HexFormat.of().formatHex(digest.digest()).substring(0, 32) + ".arrow");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Returns whether an entry exists, matches the checksum written with it (so it is complete and
   * unchanged: no need to load its batches) and has the expected shape.
   */
  public boolean isValid(Path entry, int records, int units, BufferAllocator allocator) {
    if (!Files.isRegularFile(entry)) {
      return false;
    }
    if (!checksumMatches(entry)) {
      LOG.warn("behavior cache entry {} does not match its checksum; rebuilding it", entry);
      delete(entry);
      return false;
    }
    try (FileChannel channel = FileChannel.open(entry, StandardOpenOption.READ);
        ArrowFileReader reader = new ArrowFileReader(channel, allocator)) {
      Schema schema = reader.getVectorSchemaRoot().getSchema();
      String stored =
          schema.getCustomMetadata() == null ? null : schema.getCustomMetadata().get(RECORDS);
      if (schema.getFields().size() == units && String.valueOf(records).equals(stored)) {
        return true;
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("behavior cache entry {} is unreadable ({}); rebuilding it", entry, e.toString());
    }
    delete(entry);
    return false;
  }

  private static void delete(Path entry) {
    try {
      Files.deleteIfExists(entry);
      Files.deleteIfExists(checksumFile(entry));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Returns the file holding an entry's CRC32C (hex), written before the entry is moved into place.
   */
  static Path checksumFile(Path entry) {
    return entry.resolveSibling(entry.getFileName() + ".crc32c");
  }

  /**
   * Returns whether an entry's bytes match the checksum written with it: a file changed on disk
   * (damaged, or overwritten with other finite floats) is a cache miss, never a wrong score.
   */
  private static boolean checksumMatches(Path entry) {
    try {
      Path sum = checksumFile(entry);
      return Files.isRegularFile(sum) && Files.readString(sum).trim().equals(checksum(entry));
    } catch (IOException e) {
      return false;
    }
  }

  private static String checksum(Path file) throws IOException {
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    // Read into a direct buffer, the bytes reach the CRC in one copy: a stream copied every byte of
    // an entry twice (2.9 GB for a ResNet-18 over 2,000 images: 0.7 s against 0.5 s before each
    // query). A mapping would copy nothing but count the entry in the process' resident set.
    java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocateDirect(1 << 20);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      while (channel.read(buffer.clear()) > 0) {
        crc.update(buffer.flip());
      }
      return Long.toHexString(crc.getValue()) + " " + channel.size();
    }
  }

  /** Opens a writer that builds an entry; nothing is visible until {@link Writer#commit}. */
  public Writer writer(
      Path entry, LayerInfo layer, int records, int batchSize, BufferAllocator allocator) {
    return new Writer(entry, layer, records, batchSize, allocator);
  }

  /** Returns the records per batch an entry was written with. */
  public int batchSize(Path entry, BufferAllocator allocator) {
    try (FileChannel channel = FileChannel.open(entry, StandardOpenOption.READ);
        ArrowFileReader reader = new ArrowFileReader(channel, allocator)) {
      return Integer.parseInt(
          reader.getVectorSchemaRoot().getSchema().getCustomMetadata().get(BATCH));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Opens a reader over a valid entry that delivers the layer aligned to an annotation grid.
   *
   * @param delivery whether to deliver the values on the layer's own grid too ({@link
   *     BehaviorBatch#raw}), or only those with resizing left to the consumer
   */
  public Reader reader(
      Path entry,
      LayerInfo layer,
      List<Integer> grid,
      GridAlignment.Delivery delivery,
      BufferAllocator allocator) {
    return new Reader(entry, layer, GridAlignment.of(layer, grid), delivery, allocator);
  }

  /** Writes one entry batch by batch; owns its temporary file until commit or close. */
  public static final class Writer implements AutoCloseable {
    private final Path entry;
    private final Path temporary;
    private final FileChannel channel;
    private final VectorSchemaRoot root;
    private final ArrowFileWriter writer;
    private final BufferAllocator allocator;
    private boolean committed;

    private Writer(
        Path entry, LayerInfo layer, int records, int batchSize, BufferAllocator allocator) {
      this.entry = entry;
      this.allocator = allocator;
      try {
        Files.createDirectories(entry.getParent());
        this.temporary =
            Files.createTempFile(entry.getParent(), entry.getFileName().toString(), ".tmp");
        this.channel =
            FileChannel.open(
                temporary, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      List<Field> fields = new ArrayList<>();
      for (int u = 0; u < layer.unitCount(); u++) {
        fields.add(
            new Field(
                "u" + u,
                FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)),
                null));
      }
      this.root =
          VectorSchemaRoot.create(
              new Schema(
                  fields,
                  Map.of(RECORDS, String.valueOf(records), BATCH, String.valueOf(batchSize))),
              allocator);
      this.writer = new ArrowFileWriter(root, null, channel);
      try {
        writer.start();
      } catch (IOException e) {
        close();
        throw new UncheckedIOException(e);
      }
    }

    /**
     * Appends a batch holding every unit of the layer (the batch keeps its vectors). A batch
     * resized to the annotation grid must carry its values on the layer's own grid ({@link
     * BehaviorBatch#raw}): those are stored, and aligned again on reading.
     */
    public void write(BehaviorBatch batch) {
      boolean own = batch.hasRaw();
      int rows = batch.recordIds().length * (own ? batch.rawSymbols() : batch.symbols());
      for (int u = 0; u < batch.units().length; u++) {
        Float4Vector target = (Float4Vector) root.getVector(batch.units()[u]);
        Float4Vector source = own ? batch.rawUnit(u) : batch.vectors().get(u);
        Vectors.copy(source, target, rows, allocator);
      }
      root.setRowCount(rows);
      try {
        writer.writeBatch();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private static void moveIntoPlace(Path from, Path to) throws IOException {
      try {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
      }
    }

    /** Finishes the file and moves it into place atomically. */
    public void commit() {
      try {
        writer.end();
        channel.force(true);
        closeResources();
        // The checksum goes first: an entry is never in place without the sum it must match.
        Path sum =
            Files.createTempFile(entry.getParent(), entry.getFileName().toString(), ".crc.tmp");
        Files.writeString(sum, checksum(temporary));
        moveIntoPlace(sum, checksumFile(entry));
        moveIntoPlace(temporary, entry);
        committed = true;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private boolean closed;

    private void closeResources() {
      if (closed) {
        return;
      }
      closed = true;
      writer.close();
      root.close();
      try {
        channel.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Releases the writer; an uncommitted temporary file is deleted. */
    @Override
    public void close() {
      closeResources();
      if (!committed) {
        try {
          Files.deleteIfExists(temporary);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
  }

  /**
   * Reads an entry's batches as {@link BehaviorBatch}es of chosen units, aligned to the annotation
   * grid (entries hold each layer on its own grid: a ResNet stage resized to the masks would take
   * ~250 times the disk).
   */
  public static final class Reader implements BatchReader {
    private final LayerInfo layer;
    private final GridAlignment alignment;
    private final GridAlignment.Delivery delivery;
    private final FileChannel channel;
    private final ArrowFileReader reader;
    private final BufferAllocator allocator;

    private Reader(
        Path entry,
        LayerInfo layer,
        GridAlignment alignment,
        GridAlignment.Delivery delivery,
        BufferAllocator allocator) {
      this.layer = layer;
      this.alignment = alignment;
      this.delivery = delivery;
      this.allocator = allocator;
      try {
        this.channel = FileChannel.open(entry, StandardOpenOption.READ);
        this.reader = new ArrowFileReader(channel, allocator);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public @Nullable BehaviorBatch next(int[] units, int[] recordIds) {
      try {
        if (!reader.loadNextBatch()) {
          return null;
        }
        VectorSchemaRoot root = reader.getVectorSchemaRoot();
        int symbols = root.getRowCount() / recordIds.length;
        if (symbols * recordIds.length != root.getRowCount()
            || alignment.defers(delivery) && symbols != layer.symbolCount()) {
          throw new IllegalStateException(
              "cached batch of "
                  + root.getRowCount()
                  + " rows does not hold "
                  + recordIds.length
                  + " records of "
                  + layer.symbolCount()
                  + " symbols");
        }
        if (alignment.defers(delivery)) {
          // The loaded buffers hold the own-grid values already: hand them over, no copy. They are
          // slices of the loaded record batch, whose memory (every unit's) lives until the batch
          // is closed: a batch or two at a time, as a copy's would.
          return alignment.deferOwned(units, recordIds, transfer(root, units));
        }
        if (!alignment.copies()) {
          return alignment.deliver(
              units,
              recordIds,
              i ->
                  ((Float4Vector) root.getVector(units[i]))
                      .getDataBuffer()
                      .nioBuffer(0, symbols * recordIds.length * Float.BYTES),
              delivery,
              allocator);
        }
        List<Float4Vector> vectors = transfer(root, units);
        return new BehaviorBatch(layer, units, recordIds, symbols, vectors);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /**
     * Moves the loaded vectors of {@code units} to the caller (ownership moves to a batch; the
     * reader loads fresh buffers next time).
     */
    private List<Float4Vector> transfer(VectorSchemaRoot root, int[] units) {
      List<Float4Vector> vectors = new ArrayList<>(units.length);
      try {
        for (int u : units) {
          TransferPair transfer = root.getVector(u).getTransferPair(allocator);
          transfer.transfer();
          vectors.add((Float4Vector) transfer.getTo());
        }
      } catch (RuntimeException e) {
        vectors.forEach(Float4Vector::close);
        throw e;
      }
      return vectors;
    }

    @Override
    public void close() {
      try {
        reader.close();
        channel.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
