package org.deepbase.engine.extract;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ObjIntConsumer;
import java.util.stream.IntStream;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.Float4Vector;

/**
 * Writes a batch's unit vectors on first use instead of all at once. A consumer that visits the
 * units one at a time, on all cores, then reads each unit's values while they are still in its
 * core's cache, right after they were written. A ResNet-18's four stages are 48 MB a batch: written
 * all at once, every unit is back in main memory before anyone reads it, and each reader pays a
 * pass over memory for it.
 *
 * <p>Owns what the values are written from ({@code source}, e.g. the forward pass' output tensors):
 * it is closed once every unit is written, or by {@link #close}, whichever comes first.
 * Thread-safe: each unit is written once, by the first thread that asks for it; a thread asking for
 * a unit being written waits for it.
 */
public final class UnitFill implements AutoCloseable {
  private final List<Float4Vector> vectors;
  private final ObjIntConsumer<ArrowBuf> fill;
  private final int values;
  private final AutoCloseable source;
  private final boolean[] written;
  private final Object[] locks;
  private final AtomicInteger unwritten;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * @param vectors the units' vectors, allocated with room for {@code values} floats each
   * @param fill writes unit {@code i}'s values into the data buffer of {@code vectors.get(i)}
   * @param source what {@code fill} reads, closed when no unit is left to write
   */
  UnitFill(
      List<Float4Vector> vectors, ObjIntConsumer<ArrowBuf> fill, int values, AutoCloseable source) {
    this.vectors = List.copyOf(vectors);
    this.fill = fill;
    this.values = values;
    this.source = source;
    this.written = new boolean[vectors.size()];
    this.locks = new Object[vectors.size()];
    for (int i = 0; i < locks.length; i++) {
      locks[i] = new Object();
    }
    this.unwritten = new AtomicInteger(vectors.size());
    if (vectors.isEmpty()) {
      close();
    }
  }

  /** Returns vector {@code i}, its values written. */
  Float4Vector unit(int i) {
    Float4Vector vector = vectors.get(i);
    // The lock also publishes the written values to every thread that asks for them later.
    synchronized (locks[i]) {
      if (!written[i]) {
        if (closed.get()) {
          throw new IllegalStateException("unit " + i + " asked for after its batch was closed");
        }
        fill.accept(vector.getDataBuffer(), i);
        vector.setValueCount(values);
        written[i] = true;
        if (unwritten.decrementAndGet() == 0) {
          close();
        }
      }
    }
    return vector;
  }

  /** Writes every unit not written yet, on all cores. */
  void all() {
    if (unwritten.get() == 0) {
      return; // a caller reading raw() once per unit pays nothing after the first
    }
    IntStream.range(0, vectors.size()).parallel().forEach(this::unit);
  }

  /** Closes the source (the vectors belong to the batch). */
  @Override
  public void close() {
    if (!closed.getAndSet(true)) {
      try {
        source.close();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException("closing the source of a batch's values failed", e);
      }
    }
  }
}
