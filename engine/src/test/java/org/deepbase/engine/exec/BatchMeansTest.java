package org.deepbase.engine.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class BatchMeansTest {
  @Test
  void halfWidthIsTheNormalIntervalNarrowedByTheUnreadFraction() {
    BatchMeans means = new BatchMeans();
    means.add(0.3);
    assertTrue(Double.isInfinite(means.halfWidth(0)), "no interval from one batch");
    double[] scores = {0.30, 0.34, 0.28, 0.33, 0.35};
    means = new BatchMeans();
    double sum = 0;
    for (double s : scores) {
      means.add(s);
      sum += s;
    }
    double mean = sum / scores.length;
    double ss = 0;
    for (double s : scores) {
      ss += (s - mean) * (s - mean);
    }
    double uncorrected = 1.96 * Math.sqrt(ss / (scores.length - 1)) / Math.sqrt(scores.length);
    assertEquals(uncorrected, means.halfWidth(0), 1e-12);
    assertEquals(uncorrected * Math.sqrt(0.5), means.halfWidth(0.5), 1e-12);
    assertEquals(0, means.halfWidth(1), 0, "every record read: the score is exact");
  }

  @Test
  void correctedIntervalsCoverTheFinitePopulationMean() {
    // 40 batches of a fixed population; read the first 20 of a random order, many times: the
    // corrected interval must hold the population mean about 95 % of the time (a little less:
    // z, not Student's t, with 19 degrees of freedom).
    Random rng = new Random(5);
    double[] population = new double[40];
    double total = 0;
    for (int i = 0; i < population.length; i++) {
      population[i] = rng.nextGaussian() * 0.1 + (i % 4) * 0.05;
      total += population[i];
    }
    double truth = total / population.length;
    int held = 0;
    int trials = 4000;
    for (int t = 0; t < trials; t++) {
      double[] order = population.clone();
      for (int i = order.length - 1; i > 0; i--) {
        int j = rng.nextInt(i + 1);
        double x = order[i];
        order[i] = order[j];
        order[j] = x;
      }
      BatchMeans means = new BatchMeans();
      double sum = 0;
      for (int i = 0; i < 20; i++) {
        means.add(order[i]);
        sum += order[i];
      }
      held += Math.abs(sum / 20 - truth) <= means.halfWidth(0.5) ? 1 : 0;
    }
    double coverage = (double) held / trials;
    assertTrue(coverage > 0.92 && coverage < 0.98, "coverage " + coverage);
  }
}
