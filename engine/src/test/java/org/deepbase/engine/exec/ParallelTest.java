package org.deepbase.engine.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelTest {
  @Test
  void everyIndexRunsExactlyOnceWhateverTheCount() {
    for (int n : new int[] {0, 1, 2, 3, 64, 1000}) {
      AtomicIntegerArray runs = new AtomicIntegerArray(Math.max(1, n));
      Parallel.forEach(n, i -> runs.incrementAndGet(i));
      for (int i = 0; i < n; i++) {
        assertEquals(1, runs.get(i), "index " + i + " of " + n);
      }
    }
  }

  @Test
  void whileOneThreadRunsASlowIndexTheOthersTakeTheRest() {
    // With chunks cut up front, the slow index's thread would also run the indices of its chunk
    // after it; claimed one at a time, they go to the threads that are free.
    String[] slow = new String[1];
    Set<String> fast = ConcurrentHashMap.newKeySet();
    Parallel.forEach(
        64,
        i -> {
          if (i == 0) {
            slow[0] = Thread.currentThread().getName();
            sleep(1000);
          } else {
            fast.add(Thread.currentThread().getName());
          }
        });
    if (java.util.concurrent.ForkJoinPool.getCommonPoolParallelism() > 0) {
      assertFalse(fast.contains(slow[0]), slow[0] + " ran the slow index and fast ones: " + fast);
    }
  }

  @Test
  void aFailureStopsTheClaimingAndIsRethrown() {
    AtomicIntegerArray runs = new AtomicIntegerArray(10_000);
    IllegalStateException thrown =
        assertThrows(
            IllegalStateException.class,
            () ->
                Parallel.forEach(
                    10_000,
                    i -> {
                      runs.incrementAndGet(i);
                      if (i == 5) {
                        throw new IllegalStateException("unit 5 is broken");
                      }
                      sleep(1);
                    }));
    // Thrown on the pool's thread, ForkJoinTask may rethrow a copy whose cause is the original.
    Throwable original = thrown.getCause() != null ? thrown.getCause() : thrown;
    assertEquals("unit 5 is broken", original.getMessage());
    int ran = 0;
    for (int i = 0; i < runs.length(); i++) {
      ran += runs.get(i);
    }
    assertTrue(ran < 100, "claiming stopped after the failure: " + ran + " indices ran");
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
