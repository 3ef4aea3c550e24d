package org.deepbase.engine.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.junit.jupiter.api.Test;

class UnitFillTest {
  private static final int UNITS = 64;
  private static final int VALUES = 1000;

  /** Unit i's value at position p. */
  private static float expected(int i, int p) {
    return i * 10_000f + p;
  }

  private static List<Float4Vector> vectors(BufferAllocator allocator) {
    List<Float4Vector> vectors = new ArrayList<>();
    for (int i = 0; i < UNITS; i++) {
      Float4Vector v = new Float4Vector("u" + i, allocator);
      vectors.add(v);
      Vectors.allocateUnzeroed(v, VALUES, allocator);
    }
    return vectors;
  }

  private static UnitFill fill(
      List<Float4Vector> vectors, AtomicIntegerArray writes, AtomicBoolean sourceClosed) {
    return new UnitFill(
        vectors,
        (data, i) -> {
          writes.incrementAndGet(i);
          for (int p = 0; p < VALUES; p++) {
            data.setFloat((long) p * Float.BYTES, expected(i, p));
          }
        },
        VALUES,
        () -> assertFalse(sourceClosed.getAndSet(true), "the source is closed once"));
  }

  @Test
  void writesEachUnitOnceOnFirstUseFromManyThreadsThenClosesTheSource() throws Exception {
    try (BufferAllocator allocator = new RootAllocator()) {
      List<Float4Vector> vectors = vectors(allocator);
      AtomicIntegerArray writes = new AtomicIntegerArray(UNITS);
      AtomicBoolean closed = new AtomicBoolean();
      UnitFill fill = fill(vectors, writes, closed);
      assertEquals(0, writes.get(7), "nothing is written before it is asked for");
      Float4Vector seven = fill.unit(7);
      assertEquals(1, writes.get(7));
      assertEquals(0, writes.get(8), "asking for one unit writes that unit only");
      assertEquals(expected(7, 999), seven.get(999));
      assertFalse(closed.get(), "the source stays open while units are left to write");
      // Four threads ask for every unit, each in its own order: each unit is written once, and
      // every thread reads the values written by whichever thread wrote them.
      ExecutorService threads = Executors.newFixedThreadPool(4);
      try {
        List<Future<Boolean>> readers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          int stride = 2 * t + 1; // odd strides visit all 64 units in different orders
          Callable<Boolean> reader =
              () -> {
                for (int k = 0; k < UNITS; k++) {
                  int i = (k * stride) % UNITS;
                  Float4Vector v = fill.unit(i);
                  if (v.getValueCount() != VALUES || v.get(123) != expected(i, 123)) {
                    return false;
                  }
                }
                return true;
              };
          readers.add(threads.submit(reader));
        }
        for (Future<Boolean> reader : readers) {
          assertTrue(reader.get(), "a thread read a unit before its values were written");
        }
      } finally {
        threads.shutdown();
      }
      for (int i = 0; i < UNITS; i++) {
        assertEquals(1, writes.get(i), "unit " + i + " written once");
      }
      assertTrue(closed.get(), "the source is closed once every unit is written");
      fill.close(); // closing again does not close the source twice
      vectors.forEach(Float4Vector::close);
    }
  }

  @Test
  void closingFirstClosesTheSourceAndRefusesUnwrittenUnits() {
    try (BufferAllocator allocator = new RootAllocator()) {
      List<Float4Vector> vectors = vectors(allocator);
      AtomicIntegerArray writes = new AtomicIntegerArray(UNITS);
      AtomicBoolean closed = new AtomicBoolean();
      UnitFill fill = fill(vectors, writes, closed);
      fill.unit(0);
      fill.close();
      assertTrue(closed.get(), "closing the batch closes the source with units left unwritten");
      assertEquals(expected(0, 5), fill.unit(0).get(5), "a unit written before stays readable");
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> fill.unit(1));
      assertTrue(e.getMessage().contains("unit 1"), e.getMessage());
      assertEquals(0, writes.get(1), "nothing is read from a closed source");
      vectors.forEach(Float4Vector::close);
    }
  }
}
