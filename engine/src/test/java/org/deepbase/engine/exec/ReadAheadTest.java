package org.deepbase.engine.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.deepbase.engine.catalog.LayerInfo;
import org.deepbase.engine.data.Allocators;
import org.deepbase.engine.data.DatasetRecord;
import org.deepbase.engine.data.RecordBatch;
import org.deepbase.engine.extract.BehaviorBatch;
import org.deepbase.engine.extract.Vectors;
import org.junit.jupiter.api.Test;

/**
 * A scan's batches read ahead arrive in order, one read at most ahead of the taker, on a thread of
 * their own; what was read and never taken is closed; a failed read fails the taker with its own
 * exception; without reading ahead, every read runs on the taker's thread, when asked.
 */
class ReadAheadTest {
  private static final LayerInfo LAYER = new LayerInfo("m", "fc", 0, "fc", List.of(2));
  private static final int BATCHES = 5;

  @Test
  void readsInOrderOneBatchAheadOnItsOwnThread() {
    Thread taker = Thread.currentThread();
    List<Thread> readers = new ArrayList<>();
    AtomicInteger reads = new AtomicInteger();
    try (BufferAllocator allocator = Allocators.newChild("read-ahead-test");
        ReadAhead steps =
            counting(
                true,
                reads,
                () -> {
                  synchronized (readers) {
                    readers.add(Thread.currentThread());
                  }
                },
                allocator)) {
      for (int b = 0; b < BATCHES; b++) {
        ReadAhead.Step step = steps.next();
        // Batch b taken: reads started for it and at most the one after it.
        assertTrue(reads.get() <= b + 2, reads + " reads started when batch " + b + " is taken");
        assertEquals(b, step.records().records().get(0).recordId(), "batch order");
        assertEquals(b, step.behaviors().get(0).vectors().get(0).get(0), "behaviors of batch " + b);
        step.behaviors().forEach(BehaviorBatch::close);
      }
      assertNull(steps.next(), "the end");
      assertNull(steps.next(), "still the end, nothing read again");
      assertEquals(BATCHES + 1, reads.get(), "reads, the last one finding the end");
      synchronized (readers) {
        readers.forEach(t -> assertNotEquals(taker, t, "read on the taker's thread"));
      }
    }
  }

  @Test
  void closesWhatWasReadButNotTaken() {
    try (BufferAllocator allocator = Allocators.newChild("read-ahead-test")) {
      AtomicInteger reads = new AtomicInteger();
      try (ReadAhead steps = counting(true, reads, () -> {}, allocator)) {
        steps.next().behaviors().forEach(BehaviorBatch::close);
        // The scan stops here (a stop rule): batch 1 is read, or being read, and never taken.
      }
      assertEquals(2, reads.get(), "reads: the batch taken and the one ahead");
      assertEquals(0, allocator.getAllocatedMemory(), "the unread batch's vectors are closed");
    }
  }

  @Test
  void aFailedReadFailsTheTakerWithItsException() {
    IllegalStateException failure = new IllegalStateException("cached batch of 7 rows");
    try (BufferAllocator allocator = Allocators.newChild("read-ahead-test")) {
      AtomicInteger reads = new AtomicInteger();
      try (ReadAhead steps =
          new ReadAhead(
              "test (read ahead)",
              true,
              () -> {
                if (reads.getAndIncrement() == 1) {
                  throw failure;
                }
                return step(0, allocator);
              })) {
        steps.next().behaviors().forEach(BehaviorBatch::close);
        assertSame(failure, assertThrows(IllegalStateException.class, steps::next));
      }
      assertEquals(0, allocator.getAllocatedMemory());
    }
  }

  @Test
  void withoutReadingAheadEachReadRunsWhenAskedOnTheTakersThread() {
    Thread taker = Thread.currentThread();
    AtomicInteger reads = new AtomicInteger();
    try (BufferAllocator allocator = Allocators.newChild("read-ahead-test");
        ReadAhead steps =
            counting(false, reads, () -> assertSame(taker, Thread.currentThread()), allocator)) {
      assertEquals(0, reads.get(), "nothing read before it is asked for");
      steps.next().behaviors().forEach(BehaviorBatch::close);
      assertEquals(1, reads.get(), "one read per batch taken");
      for (int b = 1; b < BATCHES; b++) {
        steps.next().behaviors().forEach(BehaviorBatch::close);
      }
      assertNull(steps.next());
      assertEquals(BATCHES + 1, reads.get(), "reads, the last one finding the end");
    }
  }

  /**
   * Reads batches 0 to {@link #BATCHES} - 1, then the end, counting the reads in {@code reads} and
   * calling {@code check} on the reading thread before each.
   */
  private static ReadAhead counting(
      boolean ahead, AtomicInteger reads, Runnable check, BufferAllocator allocator) {
    return new ReadAhead(
        ahead ? "test (read ahead)" : "test",
        ahead,
        () -> {
          check.run();
          int b = reads.getAndIncrement();
          return b < BATCHES ? step(b, allocator) : null;
        });
  }

  /** Batch {@code b}: one record with id b, and one unit whose value is b. */
  private static ReadAhead.Step step(int b, BufferAllocator allocator) {
    Float4Vector vector = new Float4Vector("fc.0", allocator);
    Vectors.allocateUnzeroed(vector, 1, allocator);
    vector.set(0, b);
    vector.setValueCount(1);
    RecordBatch records =
        new RecordBatch(
            FloatBuffer.allocate(0),
            List.of(new DatasetRecord(b, FloatBuffer.allocate(0), java.util.Map.of())));
    return new ReadAhead.Step(
        records,
        List.of(new BehaviorBatch(LAYER, new int[] {0}, new int[] {b}, 1, List.of(vector))));
  }
}
