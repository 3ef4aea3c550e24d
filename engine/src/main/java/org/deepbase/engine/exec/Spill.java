package org.deepbase.engine.exec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.cache.BatchReader;
import org.deepbase.engine.cache.BehaviorCache;
import org.deepbase.engine.catalog.LayerInfo;
import org.deepbase.engine.extract.BehaviorBatch;
import org.deepbase.engine.extract.GridAlignment;
import org.deepbase.engine.extract.Vectors;

/**
 * An exact inspection's temporary copy of one layer's behaviors from pass one, on the layer's own
 * grid, for the passes after it: written and read back by the one process that deletes it.
 *
 * <p>Unlike a cache entry ({@link BehaviorCache}) it serves only the inspection that writes it, so
 * each batch keeps, per unit, only what that inspection's later passes can use (the limit {@code
 * needFrom} of {@code Accumulator.laterPassesNeedFrom}):
 *
 * <ul>
 *   <li>nothing for a unit they do not read (read back as zeros);
 *   <li>for a unit they read only at and above a limit, the cells at or above it and their eight
 *       neighbours on the own grid (the corners of every bilinear block that can reach it), as a
 *       bitmap and the kept values, read back with 0 in every other cell. Only where none of the
 *       batch's values of the unit is negative: a 0 then stays below the limit, in blocks that
 *       cannot reach it, like the value it replaces;
 *   <li>every value otherwise.
 * </ul>
 *
 * Over a ResNet-18's four stages at q = 0.995 that keeps about a seventh of the bytes
 * (docs/design-notes.md, issue 17, session 12). The layout of the file stays in memory: nothing but
 * this object reads it.
 */
final class Spill implements AutoCloseable {
  private static final byte NONE = 0;
  private static final byte DENSE = 1;
  private static final byte SPARSE = 2;

  /** Where one unit's values of one batch lie in the file, and how they are stored. */
  private record Part(byte kind, long offset, long bytes) {}

  /** One batch: its records, its values per record and unit, and each unit's part. */
  private record Batch(int records, int rows, Part[] parts) {}

  private final LayerInfo layer;
  private final FileChannel channel;
  private final BufferAllocator allocator;
  private final int height;
  private final int width;
  private final List<Batch> batches = new ArrayList<>();
  private long end;
  private @Nullable ArrowBuf encoded;

  /** Creates the file {@code file}; {@link #close} closes it (the caller deletes it). */
  public Spill(Path file, LayerInfo layer, BufferAllocator allocator) {
    this.layer = layer;
    this.allocator = allocator;
    List<Integer> grid = layer.grid();
    this.height = grid.size() >= 2 ? grid.get(grid.size() - 2) : 1;
    this.width = grid.isEmpty() ? 1 : grid.get(grid.size() - 1);
    try {
      this.channel =
          FileChannel.open(
              file,
              StandardOpenOption.CREATE_NEW,
              StandardOpenOption.READ,
              StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Appends a batch holding every unit of the layer, on its own grid ({@link BehaviorBatch#raw}
   * when the batch carries it); {@code needFrom[i]} is what the later passes need of unit {@code
   * units()[i]} (see the class comment). Units are encoded on all cores.
   */
  public void write(BehaviorBatch batch, float[] needFrom) {
    if (!java.util.Arrays.equals(batch.units(), IntStream.range(0, layer.unitCount()).toArray())) {
      throw new IllegalArgumentException("a spill batch holds every unit of " + layer.name());
    }
    boolean own = batch.hasRaw();
    int perRecord = own ? batch.rawSymbols() : batch.symbols();
    int rows = batch.recordIds().length * perRecord;
    boolean gridKnown = perRecord == height * width;
    int units = batch.units().length;
    byte[] kinds = new byte[units];
    long[][] bitmaps = new long[units][];
    int[] kept = new int[units];
    ByteBuffer[] sources = new ByteBuffer[units];
    Parallel.forEach(
        units,
        i -> {
          float limit = needFrom[i];
          if (limit == Float.POSITIVE_INFINITY) {
            kinds[i] = NONE; // not read, so a unit written on first use is not written for this
            return;
          }
          Float4Vector vector = own ? batch.rawUnit(i) : batch.vectors().get(i);
          ByteBuffer values =
              vector
                  .getDataBuffer()
                  .nioBuffer(0, rows * Float.BYTES)
                  .order(ByteOrder.nativeOrder());
          sources[i] = values;
          long[] bitmap = gridKnown && limit > 0 ? keptCells(values, rows, limit) : null;
          int count = bitmap == null ? rows : bitCount(bitmap);
          if (bitmap == null || sparseBytes(bitmap, count) >= (long) rows * Float.BYTES) {
            kinds[i] = DENSE;
            return;
          }
          kinds[i] = SPARSE;
          bitmaps[i] = bitmap;
          kept[i] = count;
        });
    Part[] parts = new Part[units];
    long[] at = new long[units];
    long sparseTotal = 0;
    long offset = end;
    for (int i = 0; i < units; i++) {
      long bytes =
          switch (kinds[i]) {
            case NONE -> 0;
            case DENSE -> (long) rows * Float.BYTES;
            default -> sparseBytes(bitmaps[i], kept[i]);
          };
      parts[i] = new Part(kinds[i], offset, bytes);
      offset += bytes;
      if (kinds[i] == SPARSE) {
        at[i] = sparseTotal;
        sparseTotal += bytes;
      }
    }
    ArrowBuf buffer = encodedBuffer(sparseTotal);
    Parallel.forEach(
        units,
        i -> {
          if (kinds[i] == SPARSE) {
            encode(sources[i], bitmaps[i], buffer, at[i]);
          }
        });
    List<ByteBuffer> out = new ArrayList<>();
    for (int i = 0; i < units; i++) {
      if (kinds[i] == DENSE) {
        out.add(sources[i]);
      } else if (kinds[i] == SPARSE) {
        out.add(buffer.nioBuffer(at[i], (int) parts[i].bytes()));
      }
    }
    writeFully(out.toArray(new ByteBuffer[0]), end);
    end = offset;
    batches.add(new Batch(batch.recordIds().length, perRecord, parts));
  }

  /**
   * Marks the cells at or above {@code limit} and their eight neighbours, record by record; null
   * when a value is negative (the batch is then kept whole). {@code limit} is positive.
   */
  private long @Nullable [] keptCells(ByteBuffer values, int rows, float limit) {
    long[] bitmap = new long[(rows + 63) >>> 6];
    int cells = height * width;
    // Hot: every value of every unit once per batch. A record at a time is copied in bulk to the
    // heap (not read value by value with a bounds check: 2.15 s of CPU down to 1.56 s on the exact
    // ResNet-18 INSPECT), and its cells reaching the limit are listed without a branch per value.
    // The loop that branched per value, with an early exit at a negative one, took 2.7-2.9 ns per
    // value in a microbenchmark (56x56 to 14x14 maps, 0.5 % of the values kept) and 2.45 s of CPU
    // on that INSPECT; this one takes 0.8-2 ns and 1.2 s, keeping the same cells.
    FloatBuffer floats = values.asFloatBuffer();
    float[] record = new float[cells];
    int[] hits = new int[cells + 1];
    for (int base = 0; base < rows; base += cells) {
      floats.get(base, record, 0, cells);
      int found = 0;
      int signs = 0;
      for (int c = 0; c < cells; c++) {
        float v = record[c];
        hits[found] = c;
        // Not below the limit, as before: a NaN is kept.
        found += v < limit ? 0 : 1;
        signs |= Float.floatToRawIntBits(v);
      }
      if (signs < 0 && negativeIn(record)) {
        return null;
      }
      for (int k = 0; k < found; k++) {
        markAround(bitmap, base, hits[k]);
      }
    }
    return bitmap;
  }

  /** Returns whether a value is below 0 (a sign bit alone may be a -0). */
  private static boolean negativeIn(float[] record) {
    for (float v : record) {
      if (v < 0) {
        return true;
      }
    }
    return false;
  }

  /** Marks cell {@code c} of the record at {@code base} and its eight neighbours. */
  private void markAround(long[] bitmap, int base, int c) {
    int y = c / width;
    int x = c - y * width;
    for (int yy = Math.max(0, y - 1); yy <= Math.min(height - 1, y + 1); yy++) {
      for (int xx = Math.max(0, x - 1); xx <= Math.min(width - 1, x + 1); xx++) {
        int cell = base + yy * width + xx;
        bitmap[cell >>> 6] |= 1L << cell;
      }
    }
  }

  private static int bitCount(long[] bitmap) {
    int n = 0;
    for (long word : bitmap) {
      n += Long.bitCount(word);
    }
    return n;
  }

  private static long sparseBytes(long[] bitmap, int kept) {
    return (long) bitmap.length * Long.BYTES + (long) kept * Float.BYTES;
  }

  /** Writes a sparse part at {@code at}: the bitmap's words, then the kept values in order. */
  private static void encode(ByteBuffer values, long[] bitmap, ArrowBuf out, long at) {
    long index = at;
    for (long word : bitmap) {
      out.setLong(index, word);
      index += Long.BYTES;
    }
    for (int w = 0; w < bitmap.length; w++) {
      for (long word = bitmap[w]; word != 0; word &= word - 1) {
        int cell = (w << 6) + Long.numberOfTrailingZeros(word);
        out.setFloat(index, values.getFloat(cell * Float.BYTES));
        index += Float.BYTES;
      }
    }
  }

  private ArrowBuf encodedBuffer(long bytes) {
    if (encoded == null || encoded.capacity() < bytes) {
      if (encoded != null) {
        encoded.close();
      }
      encoded = allocator.buffer(Math.max(bytes, 1));
    }
    return encoded;
  }

  private void writeFully(ByteBuffer[] buffers, long position) {
    try {
      channel.position(position);
      long remaining = 0;
      for (ByteBuffer b : buffers) {
        remaining += b.remaining();
      }
      while (remaining > 0) {
        remaining -= channel.write(buffers);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The bytes written so far. */
  public long size() {
    return end;
  }

  /**
   * Opens a reader over the batches written, delivering them aligned to {@code grid} as {@link
   * BehaviorCache#reader} does.
   */
  public Reader reader(
      List<Integer> grid, GridAlignment.Delivery delivery, BufferAllocator readAllocator) {
    return new Reader(GridAlignment.of(layer, grid), delivery, readAllocator);
  }

  /** Closes the file; deleting it is the caller's. */
  @Override
  public void close() {
    if (encoded != null) {
      encoded.close();
      encoded = null;
    }
    try {
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads the batches back in order, each unit expanded to all its values. */
  public final class Reader implements BatchReader {
    private final GridAlignment alignment;
    private final GridAlignment.Delivery delivery;
    private final BufferAllocator readAllocator;
    private int next;
    private @Nullable ArrowBuf read;
    private @Nullable ArrowBuf expanded;

    private Reader(
        GridAlignment alignment, GridAlignment.Delivery delivery, BufferAllocator readAllocator) {
      this.alignment = alignment;
      this.delivery = delivery;
      this.readAllocator = readAllocator;
    }

    @Override
    public @Nullable BehaviorBatch next(int[] units, int[] recordIds) {
      if (next == batches.size()) {
        return null;
      }
      Batch batch = batches.get(next++);
      if (batch.records() != recordIds.length) {
        throw new IllegalStateException(
            "spilled batch of "
                + batch.records()
                + " records read back for "
                + recordIds.length
                + " records");
      }
      int rows = batch.rows() * recordIds.length;
      boolean intoVectors = alignment.defers(delivery) || alignment.copies();
      boolean sparse = false;
      for (int unit : units) {
        sparse |= batch.parts()[unit].kind() == SPARSE;
      }
      // Into new vectors, a batch without sparse parts is read unit by unit straight into them (one
      // copy, as a cache read); otherwise the batch's region is read at once.
      boolean whole = !intoVectors || sparse;
      long from = batch.parts()[0].offset();
      if (whole) {
        Part last = batch.parts()[batch.parts().length - 1];
        long bytes = last.offset() + last.bytes() - from;
        read = grow(read, bytes);
        readFully(read.nioBuffer(0, (int) bytes), from);
      }
      ArrowBuf in = read;
      java.util.function.ObjIntConsumer<ArrowBuf> fill =
          (data, i) -> {
            Part part = batch.parts()[units[i]];
            if (whole) {
              unitValues(part, java.util.Objects.requireNonNull(in), from, rows, data, 0);
            } else if (part.kind() == DENSE) {
              readFully(data.nioBuffer(0, rows * Float.BYTES), part.offset());
            } else {
              data.setZero(0, (long) rows * Float.BYTES);
            }
          };
      if (alignment.defers(delivery)) {
        // Expanded straight into the batch's vectors, on all cores; where a part is sparse, the
        // consumer is told which cells it kept, so that it can skip the rest.
        BehaviorBatch deferred = alignment.deferFilled(units, recordIds, fill, readAllocator, true);
        return sparse
            ? deferred.withZeroOutside(
                zeroOutside(batch, units, java.util.Objects.requireNonNull(in), from, rows))
            : deferred;
      }
      if (alignment.copies()) {
        return copies(units, recordIds, batch.rows(), fill);
      }
      ArrowBuf dense = java.util.Objects.requireNonNull(in);
      expanded = grow(expanded, (long) units.length * rows * Float.BYTES);
      ArrowBuf out = expanded;
      return alignment.deliver(
          units,
          recordIds,
          i -> {
            Part part = batch.parts()[units[i]];
            if (part.kind() == DENSE) {
              return dense.nioBuffer(part.offset() - from, rows * Float.BYTES);
            }
            long base = (long) i * rows * Float.BYTES;
            unitValues(part, dense, from, rows, out, base);
            return out.nioBuffer(base, rows * Float.BYTES);
          },
          delivery,
          readAllocator);
    }

    /**
     * Per unit, the cells outside which its values read back are 0: a sparse part's bitmap, none
     * for a part not kept, null for a dense one.
     */
    private long[][] zeroOutside(Batch batch, int[] units, ArrowBuf in, long from, int rows) {
      long[][] cells = new long[units.length][];
      int words = (rows + 63) >>> 6;
      for (int i = 0; i < units.length; i++) {
        Part part = batch.parts()[units[i]];
        if (part.kind() == DENSE) {
          continue;
        }
        cells[i] = new long[words];
        if (part.kind() == SPARSE) {
          in.nioBuffer(part.offset() - from, words * Long.BYTES)
              .order(ByteOrder.nativeOrder())
              .asLongBuffer()
              .get(cells[i]);
        }
      }
      return cells;
    }

    /** Writes a unit's {@code rows} values, read from its part in {@code in}, at {@code base}. */
    private void unitValues(Part part, ArrowBuf in, long from, int rows, ArrowBuf out, long base) {
      long length = (long) rows * Float.BYTES;
      switch (part.kind()) {
        case DENSE -> out.setBytes(base, in, part.offset() - from, length);
        case SPARSE -> {
          out.setZero(base, length);
          expand(in, part.offset() - from, rows, out, base);
        }
        default -> out.setZero(base, length);
      }
    }

    /** A batch of a layer on the annotation grid already: each unit's values in a new vector. */
    private BehaviorBatch copies(
        int[] units,
        int[] recordIds,
        int symbols,
        java.util.function.ObjIntConsumer<ArrowBuf> fill) {
      List<Float4Vector> vectors = new ArrayList<>(units.length);
      try {
        for (int i = 0; i < units.length; i++) {
          Float4Vector vector = new Float4Vector(layer.name() + "." + units[i], readAllocator);
          vectors.add(vector);
          int n = recordIds.length * symbols;
          Vectors.allocateUnzeroed(vector, n, readAllocator);
          fill.accept(vector.getDataBuffer(), i);
          vector.setValueCount(n);
        }
      } catch (RuntimeException e) {
        vectors.forEach(Float4Vector::close);
        throw e;
      }
      return new BehaviorBatch(layer, units, recordIds, symbols, vectors);
    }

    private ArrowBuf grow(@Nullable ArrowBuf buffer, long bytes) {
      if (buffer != null && buffer.capacity() >= bytes) {
        return buffer;
      }
      if (buffer != null) {
        buffer.close();
      }
      return readAllocator.buffer(Math.max(bytes, 1));
    }

    private void readFully(ByteBuffer into, long position) {
      try {
        while (into.hasRemaining()) {
          if (channel.read(into, position + into.position()) < 0) {
            throw new IllegalStateException("spill of " + layer.name() + " ended early");
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void close() {
      if (read != null) {
        read.close();
      }
      if (expanded != null) {
        expanded.close();
      }
    }
  }

  /** Places a sparse part's kept values at their cells of {@code out} (zeroed by the caller). */
  private static void expand(ArrowBuf in, long at, int rows, ArrowBuf out, long base) {
    int words = (rows + 63) >>> 6;
    long value = at + (long) words * Long.BYTES;
    for (int w = 0; w < words; w++) {
      for (long word = in.getLong(at + (long) w * Long.BYTES); word != 0; word &= word - 1) {
        int cell = (w << 6) + Long.numberOfTrailingZeros(word);
        out.setFloat(base + (long) cell * Float.BYTES, in.getFloat(value));
        value += Float.BYTES;
      }
    }
  }
}
