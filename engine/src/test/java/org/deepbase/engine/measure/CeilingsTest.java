package org.deepbase.engine.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.FloatBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CeilingsTest {
  @Test
  void pacmanGridAtTheDefaultQuantileFiresTwoCells() {
    assertEquals(2, Ceilings.firing(0.995, 285));
    assertEquals(0.5, Ceilings.overlap(1, 0.995, 285), 0);
    assertEquals(1.0, Ceilings.overlap(2, 0.995, 285), 0);
    assertEquals(2.0 / 3, Ceilings.overlap(3, 0.995, 285), 1e-12);
  }

  /** The bound is reached: a unit whose top two values sit on and beside a one-cell mask. */
  @Test
  void theBestUnitForAOneCellMaskReachesTheCeilingAndNoUnitPassesIt() {
    int n = 285;
    int records = 50;
    Random rng = new Random(7);
    float[] best = new float[records * n];
    float[] noisy = new float[records * n];
    float[] mask = new float[records * n];
    for (int r = 0; r < records; r++) {
      int ghost = rng.nextInt(n - 1);
      mask[r * n + ghost] = 1f;
      for (int s = 0; s < n; s++) {
        best[r * n + s] = (float) (rng.nextDouble() * 0.1);
        noisy[r * n + s] = (float) rng.nextDouble();
      }
      best[r * n + ghost] = 2f;
      best[r * n + ghost + 1] = 1.5f;
    }
    double ceiling = Ceilings.overlap(1, 0.995, n);
    assertEquals(ceiling, localIou(best, mask, n, records), 1e-9);
    assertEquals(true, localIou(noisy, mask, n, records) <= ceiling);
  }

  private static double localIou(float[] values, float[] mask, int n, int records) {
    LocalIouAccumulator acc = new LocalIouAccumulator(0.995);
    acc.add(FloatBuffer.wrap(values), FloatBuffer.wrap(mask), records, n);
    return acc.result().value();
  }
}
