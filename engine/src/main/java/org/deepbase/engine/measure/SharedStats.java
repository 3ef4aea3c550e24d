package org.deepbase.engine.measure;

import java.nio.FloatBuffer;
import java.util.Arrays;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.extract.BilinearResize;

/**
 * The parts of a batch's statistics that depend on one side only, computed once and shared by every
 * (unit, hypothesis) pair: a unit's moments and per-record thresholds serve all hypotheses, a
 * hypothesis' moments and "on" positions serve all units. With a sparse binary hypothesis (a ghost
 * mask: 1 symbol in 285) a pair then costs O(on symbols) instead of O(symbols).
 */
public final class SharedStats {
  private SharedStats() {}

  /**
   * One unit's values over a batch.
   *
   * @param n values
   * @param mean their mean
   * @param m2 sum of squared deviations from the mean
   * @param centredSum sum of deviations (0 up to rounding; kept so that covariances stay exact)
   */
  public record Unit(int n, double mean, double m2, double centredSum) {
    /**
     * Computes a unit's moments in two passes, as {@link CorrelationAccumulator} does per chunk.
     */
    public static Unit of(FloatBuffer values, int n) {
      int v0 = values.position();
      double sum = 0;
      for (int i = 0; i < n; i++) {
        sum += values.get(v0 + i);
      }
      double mean = sum / n;
      double m2 = 0;
      double centred = 0;
      for (int i = 0; i < n; i++) {
        double d = values.get(v0 + i) - mean;
        m2 += d * d;
        centred += d;
      }
      return new Unit(n, mean, m2, centred);
    }
  }

  /**
   * R^T a on a layer's own grid, kept sparse: the non-zero weights of R^T a, or of R^T (1 - a) when
   * it has fewer ({@code complement}). Concept masks cover a few percent of an image (or all but a
   * few, like a background), so a unit's dot product with it reads a few percent of its values
   * instead of all of them, once per hypothesis.
   */
  public record Adjoint(int[] index, double[] weight, boolean complement) {
    static Adjoint sparsest(double[] dense, BilinearResize plan) {
      int source = plan.sourceSymbols();
      int direct = 0;
      int complementary = 0;
      for (int i = 0; i < dense.length; i++) {
        direct += dense[i] != 0 ? 1 : 0;
        complementary += plan.columnSum(i % source) - dense[i] != 0 ? 1 : 0;
      }
      if (complementary < direct) {
        double[] rest = new double[dense.length];
        for (int i = 0; i < dense.length; i++) {
          rest[i] = plan.columnSum(i % source) - dense[i];
        }
        return of(rest, true);
      }
      return of(dense, false);
    }

    /** Keeps the non-zero weights of R^T a, or of R^T (1 - a) when {@code complement}. */
    static Adjoint of(double[] dense, boolean complement) {
      int nonZero = 0;
      for (double w : dense) {
        nonZero += w != 0 ? 1 : 0;
      }
      int[] index = new int[nonZero];
      double[] weight = new double[nonZero];
      int k = 0;
      for (int i = 0; i < dense.length; i++) {
        if (dense[i] != 0) {
          index[k] = i;
          weight[k++] = dense[i];
        }
      }
      return new Adjoint(index, weight, complement);
    }

    /** Returns sum w (x - shift) over the kept weights. */
    public double dot(float[] x, double shift) {
      double d0 = 0;
      double d1 = 0;
      int k = 0;
      for (; k + 1 < index.length; k += 2) {
        d0 += weight[k] * (x[index[k]] - shift);
        d1 += weight[k + 1] * (x[index[k + 1]] - shift);
      }
      if (k < index.length) {
        d0 += weight[k] * (x[index[k]] - shift);
      }
      return d0 + d1;
    }
  }

  /**
   * One hypothesis' annotations over a batch.
   *
   * @param n values
   * @param mean their mean
   * @param m2 sum of squared deviations
   * @param binary whether every value is 0 or 1
   * @param firstNonBinary a value that is neither 0 nor 1 (when not binary)
   * @param onStart for binary annotations: record r's on positions are {@code
   *     on[onStart[r]..onStart[r+1])}
   * @param on symbol positions (within the record) where the annotation is 1
   * @param onSets the batch's binary hypotheses per position, this one bit {@code bit} of it; null
   *     when not indexed ({@link OnSets#index})
   */
  public record Hypothesis(
      int n,
      double mean,
      double m2,
      boolean binary,
      float firstNonBinary,
      int[] onStart,
      int[] on,
      long[] onMask,
      java.util.concurrent.ConcurrentMap<BilinearResize, Adjoint> adjoints,
      @Nullable OnSets onSets,
      int bit) {
    /**
     * Stands for annotations a pass does not read ({@link Accumulator#readsAnnotations}): no
     * positions, so reading it fails loudly. A new one each time: its adjoint cache is mutable.
     */
    public static Hypothesis none() {
      return new Hypothesis(
          0,
          Double.NaN,
          Double.NaN,
          true,
          0f,
          new int[0],
          new int[0],
          new long[0],
          new java.util.concurrent.ConcurrentHashMap<>(),
          null,
          0);
    }

    /** Returns whether the annotation at a batch position (record x symbols + symbol) is 1. */
    public boolean isOn(int position) {
      return (onMask[position >>> 6] & (1L << position)) != 0;
    }

    /** Returns this hypothesis as bit {@code bit} of a batch's on sets. */
    Hypothesis in(OnSets sets, int bit) {
      return new Hypothesis(
          n, mean, m2, binary, firstNonBinary, onStart, on, onMask, adjoints, sets, bit);
    }

    /**
     * Returns R^T a per record for a resize plan (records x source symbols), computed once per
     * batch and shared by every unit of the layers with that plan: a unit's sum of annotation x
     * resized value is then a dot product on its own grid ({@link BilinearResize#addAdjoint}).
     */
    public Adjoint adjoint(BilinearResize plan, FloatBuffer annotations, int records) {
      return adjoints.computeIfAbsent(
          plan,
          p -> {
            int source = p.sourceSymbols();
            int symbols = p.symbols();
            double[] dense = new double[records * source];
            if (!binary) {
              int a0 = annotations.position();
              for (int r = 0; r < records; r++) {
                p.addAdjoint(annotations, a0 + r * symbols, 0, dense, r * source);
              }
              return Adjoint.sparsest(dense, p);
            }
            // A mask: pushed back from its "on" cells, or from its "off" cells (R^T (1 - a))
            // when those are fewer, without reading the other cells.
            boolean complement = 2L * on.length > (long) records * symbols;
            for (int r = 0; r < records; r++) {
              if (complement) {
                for (int cell = 0; cell < symbols; cell++) {
                  if (!isOn(r * symbols + cell)) {
                    p.addAdjointAt(cell, 1, dense, r * source);
                  }
                }
              } else {
                for (int k = onStart[r]; k < onStart[r + 1]; k++) {
                  p.addAdjointAt(on[k], 1, dense, r * source);
                }
              }
            }
            return Adjoint.of(dense, complement);
          });
    }

    /** Indexes a batch of annotations, records x symbols from the buffer's position. */
    public static Hypothesis of(FloatBuffer annotations, int records, int symbols) {
      int n = records * symbols;
      int a0 = annotations.position();
      double sum = 0;
      boolean binary = true;
      float bad = 0;
      int ones = 0;
      // A bit per position: "is it on" for the few positions that fire, without reading floats.
      long[] onMask = new long[(n + 63) >>> 6];
      // No running sum here: a mask's is its count of ones (exact), and only other annotations are
      // summed, in a loop of their own (one chained addition per value is this loop's cost).
      for (int i = 0; i < n; i++) {
        float a = annotations.get(a0 + i);
        if (a == 1f) {
          ones++;
          onMask[i >>> 6] |= 1L << i;
        } else if (a != 0f && binary) {
          binary = false;
          bad = a;
        }
      }
      if (binary) {
        sum = ones;
      } else {
        for (int i = 0; i < n; i++) {
          sum += annotations.get(a0 + i);
        }
      }
      double mean = sum / n;
      double m2 = 0;
      if (binary) {
        // Values are 0 and 1: the squared deviations in closed form, no second read.
        m2 = ones * (1 - mean) * (1 - mean) + (n - ones) * mean * mean;
      } else {
        for (int i = 0; i < n; i++) {
          double d = annotations.get(a0 + i) - mean;
          m2 += d * d;
        }
        onMask = new long[0];
      }
      int[] onStart = new int[records + 1];
      int[] on = new int[binary ? ones : 0];
      if (binary) {
        // The "on" symbols per record, read off the mask's set bits in increasing position.
        int k = 0;
        int r = 0;
        for (int word = 0; word < onMask.length; word++) {
          for (long bits = onMask[word]; bits != 0; bits &= bits - 1) {
            int position = (word << 6) + Long.numberOfTrailingZeros(bits);
            while (position >= (r + 1) * symbols) {
              onStart[++r] = k;
            }
            on[k++] = position - r * symbols;
          }
        }
        while (r < records) {
          onStart[++r] = k;
        }
      }
      return new Hypothesis(
          n,
          mean,
          m2,
          binary,
          bad,
          onStart,
          on,
          onMask,
          new java.util.concurrent.ConcurrentHashMap<>(),
          null,
          -1);
    }
  }

  /**
   * Which of a batch's binary hypotheses are on at each position (record x symbols + symbol), one
   * bit per hypothesis (up to 64): a unit's firing positions are then counted for every hypothesis
   * in one read per position ({@link UnitBatch#onCounts}) instead of one mask test per hypothesis.
   */
  public static final class OnSets {
    private final long[] bits;

    private OnSets(long[] bits) {
      this.bits = bits;
    }

    /**
     * Indexes a batch's binary hypotheses (the first 64 of them); returns the hypotheses, those
     * indexed now knowing their bit, the others as they were.
     *
     * @param bits where the on sets are written (cleared first), at least records x symbols long:
     *     the caller's, reused batch after batch, because a batch's sets are megabytes the garbage
     *     collector would otherwise allocate outside its young generation every batch
     */
    public static Hypothesis[] index(
        Hypothesis[] hypotheses, int records, int symbols, long[] bits) {
      int cells = Math.multiplyExact(records, symbols);
      if (bits.length < cells) {
        throw new IllegalArgumentException(
            "on sets of " + cells + " cells do not fit in " + bits.length);
      }
      Arrays.fill(bits, 0, cells, 0L);
      OnSets sets = new OnSets(bits);
      Hypothesis[] out = hypotheses.clone();
      int bit = 0;
      for (int h = 0; h < out.length && bit < Long.SIZE; h++) {
        Hypothesis one = out[h];
        if (!one.binary()) {
          continue;
        }
        long mask = 1L << bit;
        for (int r = 0; r < records; r++) {
          for (int k = one.onStart()[r]; k < one.onStart()[r + 1]; k++) {
            sets.bits[r * symbols + one.on()[k]] |= mask;
          }
        }
        out[h] = one.in(sets, bit++);
      }
      return out;
    }

    /** Counts, per bit, the positions where that hypothesis is on. */
    int[] count(int[] positions) {
      int[] counts = new int[Long.SIZE];
      for (int p : positions) {
        for (long b = bits[p]; b != 0; b &= b - 1) {
          counts[Long.numberOfTrailingZeros(b)]++;
        }
      }
      return counts;
    }
  }

  /**
   * Computes a unit's moments and its per-record thresholds and firing counts at one quantile. Each
   * record's values are copied once into {@code scratch} (length >= symbols) and read once there,
   * in the CPU's first-level cache: one loop sums them, sums their squared deviations from a shift
   * and keeps the few largest values, from which both the threshold and the firing count follow.
   * The shift is the mean of the batch's records so far (the first value for the first record),
   * close enough to each record's mean that removing it loses nothing in double precision; records'
   * moments merge with Chan et al.'s formula, so the result is as accurate as a two-pass
   * computation over the whole batch. Low quantiles (many values at or above the rank) sort each
   * record instead.
   */
  public static Firing unitAndFiring(
      FloatBuffer values,
      int records,
      int symbols,
      double quantile,
      float[] scratch,
      Unit[] moments) {
    int v0 = values.position();
    Quantiles.Rank rank = new Quantiles.Rank(symbols, quantile);
    float[] top = rank.newTop();
    double[] thresholds = new double[records];
    int[] firing = new int[records];
    double[] squares = new double[1];
    long n = 0;
    double mean = 0;
    double m2 = 0;
    double sum = 0;
    for (int r = 0; r < records; r++) {
      values.get(v0 + r * symbols, scratch, 0, symbols);
      double shift = n == 0 ? scratch[0] : mean;
      double recordSum;
      double t;
      if (rank.selects()) {
        recordSum = scan(scratch, symbols, shift, top, rank.k(), squares);
        t = rank.fromTop(top);
      } else {
        recordSum = Quantiles.sum(scratch, symbols);
        squares[0] = squaredDeviations(scratch, symbols, shift);
        java.util.Arrays.sort(scratch, 0, symbols);
        t = rank.fromSorted(scratch, symbols);
      }
      thresholds[r] = t;
      firing[r] = rank.above(scratch, symbols, top, t);
      double recordMean = recordSum / symbols;
      double offset = recordMean - shift;
      double recordM2 = Math.max(0, squares[0] - symbols * offset * offset);
      long total = n + symbols;
      double delta = recordMean - mean;
      m2 += recordM2 + delta * delta * ((double) n * symbols / total);
      mean += delta * symbols / total;
      n = total;
      sum += recordSum;
    }
    moments[0] = new Unit((int) n, mean, m2, sum - n * mean);
    return new Firing(thresholds, firing);
  }

  /**
   * Returns the sum of the first n values, puts the sum of their squared deviations from {@code
   * shift} in {@code squares[0]} and their k largest in {@code top}, in one loop (two partial sums
   * each: one chain would wait on every add's latency).
   */
  private static double scan(
      float[] values, int n, double shift, float[] top, int k, double[] squares) {
    Quantiles.seed(values, top, k);
    double s0 = 0;
    double s1 = 0;
    double q0 = 0;
    double q1 = 0;
    for (int i = 0; i < k; i++) {
      double d = values[i] - shift;
      s0 += values[i];
      q0 += d * d;
    }
    float smallest = top[0];
    int i = k;
    for (; i + 1 < n; i += 2) {
      float v = values[i];
      float w = values[i + 1];
      double d = v - shift;
      double e = w - shift;
      s0 += v;
      s1 += w;
      q0 += d * d;
      q1 += e * e;
      if (v > smallest) {
        smallest = Quantiles.insert(top, k, v);
      }
      if (w > smallest) {
        smallest = Quantiles.insert(top, k, w);
      }
    }
    if (i < n) {
      float v = values[i];
      double d = v - shift;
      s0 += v;
      q0 += d * d;
      if (v > smallest) {
        Quantiles.insert(top, k, v);
      }
    }
    squares[0] = q0 + q1;
    return s0 + s1;
  }

  /** Sums (v - shift)^2 with two partial sums. */
  private static double squaredDeviations(float[] values, int n, double shift) {
    double a = 0;
    double b = 0;
    int i = 0;
    for (; i + 1 < n; i += 2) {
      double d = values[i] - shift;
      double e = values[i + 1] - shift;
      a += d * d;
      b += e * e;
    }
    if (i < n) {
      double d = values[i] - shift;
      a += d * d;
    }
    return a + b;
  }

  /**
   * One unit's per-record thresholds and how many symbols fire above them.
   *
   * @param thresholds T_r per record
   * @param firing |{s : v > T_r}| per record
   */
  public record Firing(double[] thresholds, int[] firing) {}
}
