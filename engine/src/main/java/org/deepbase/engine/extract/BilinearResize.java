package org.deepbase.engine.extract;

/**
 * Resizes a unit's grid to the annotation grid by bilinear interpolation with half-pixel centres
 * (PyTorch's {@code interpolate(mode='bilinear', align_corners=False)}), as NetDissect upsamples
 * activations to the segmentation mask.
 *
 * <p>An instance is an immutable plan (thread-safe): the source columns and weights of every output
 * column and row, computed once per shape. {@link #resize} works separably: each source row is
 * interpolated along x once, then each output row is a blend of two such rows. The arithmetic is
 * the same as interpolating each output cell from its four neighbours (same operations in the same
 * order), so results are bit-identical to {@link #value}, at about two multiplications per output
 * value.
 *
 * <p>Blocks: the output cells interpolated from the same four source cells form a block, named by
 * its top-left source cell. Every value of a block lies between the least and greatest of its four
 * corners (up to rounding, see {@link #slack}), which lets a caller that only needs the values
 * above a threshold skip the blocks whose corners are all below it without computing them.
 */
public final class BilinearResize {
  private final int h;
  private final int w;
  private final int oh;
  private final int ow;
  private final int[] x0;
  private final int[] x1;
  private final float[] lx;
  private final int[] y0;
  private final int[] y1;
  private final float[] ly;
  private final int[] blockStart;
  private final int[] blockCells;

  /**
   * The output rows (columns) of source row (column) i's blocks: rowStart[i] .. rowStart[i + 1].
   */
  private final int[] rowStart;

  private final int[] columnStart;

  /** R_h^T R_h and R_w^T R_w: tridiagonal (each output row or column mixes two neighbours). */
  private final double[][] gramRows;

  private final double[][] gramColumns;

  /** R^T 1: how much each source cell contributes to the sum of the resized values. */
  private final double[] columnSums;

  /** Plans resizing an h x w grid to oh x ow. */
  public BilinearResize(int h, int w, int oh, int ow) {
    this.h = h;
    this.w = w;
    this.oh = oh;
    this.ow = ow;
    x0 = new int[ow];
    x1 = new int[ow];
    lx = new float[ow];
    axis(w, ow, x0, x1, lx);
    y0 = new int[oh];
    y1 = new int[oh];
    ly = new float[oh];
    axis(h, oh, y0, y1, ly);
    rowStart = starts(y0, h);
    columnStart = starts(x0, w);
    // Output cells grouped by block (counting sort on the top-left source cell).
    blockStart = new int[h * w + 1];
    for (int y = 0; y < oh; y++) {
      for (int x = 0; x < ow; x++) {
        blockStart[y0[y] * w + x0[x] + 1]++;
      }
    }
    for (int b = 0; b < h * w; b++) {
      blockStart[b + 1] += blockStart[b];
    }
    gramRows = gram(h, y0, y1, ly);
    gramColumns = gram(w, x0, x1, lx);
    columnSums = new double[h * w];
    float[] ones = new float[oh * ow];
    java.util.Arrays.fill(ones, 1f);
    addAdjoint(java.nio.FloatBuffer.wrap(ones), 0, 0, columnSums, 0);
    blockCells = new int[oh * ow];
    int[] next = java.util.Arrays.copyOf(blockStart, h * w);
    for (int y = 0; y < oh; y++) {
      for (int x = 0; x < ow; x++) {
        blockCells[next[y0[y] * w + x0[x]]++] = y * ow + x;
      }
    }
  }

  /** The three diagonals {below, on, above} of R^T R for one axis' interpolation matrix R. */
  private static double[][] gram(int size, int[] lo, int[] hi, float[] weight) {
    double[][] g = new double[3][size];
    for (int i = 0; i < lo.length; i++) {
      double a = 1 - (double) weight[i];
      double b = weight[i];
      if (lo[i] == hi[i]) {
        g[1][lo[i]] += (a + b) * (a + b);
      } else {
        g[1][lo[i]] += a * a;
        g[1][hi[i]] += b * b;
        g[2][lo[i]] += a * b; // (lo, lo + 1)
        g[0][hi[i]] += a * b; // (hi, hi - 1)
      }
    }
    return g;
  }

  private static void axis(int size, int out, int[] lo, int[] hi, float[] weight) {
    float scale = (float) size / out;
    for (int i = 0; i < out; i++) {
      float f = Math.max((i + 0.5f) * scale - 0.5f, 0f);
      lo[i] = Math.min((int) f, size - 1);
      hi[i] = Math.min(lo[i] + 1, size - 1);
      weight[i] = f - lo[i];
    }
  }

  /** Returns the source cells per record. */
  public int sourceSymbols() {
    return h * w;
  }

  /** Returns the source grid's rows. */
  public int sourceRows() {
    return h;
  }

  /** Returns the output cells per record. */
  public int symbols() {
    return oh * ow;
  }

  /** Returns a scratch buffer for {@link #resize}, one per thread. */
  public float[] newScratch() {
    return new float[h * ow];
  }

  /**
   * Resizes {@code src} (h x w, row-major, from {@code offset}) into {@code dst} (oh x ow, from
   * {@code dstOffset}).
   *
   * @param scratch from {@link #newScratch}, not shared between threads
   */
  public void resize(float[] src, int offset, float[] dst, int dstOffset, float[] scratch) {
    horizontal(src, offset, scratch);
    for (int y = 0; y < oh; y++) {
      row(scratch, y, dst, dstOffset + y * ow);
    }
  }

  /**
   * First step of {@link #resize}: interpolates every source row along x into {@code scratch} (h
   * rows of ow). Then {@link #row} gives each output row, one at a time.
   */
  public void horizontal(float[] src, int offset, float[] scratch) {
    for (int y = 0; y < h; y++) {
      int row = offset + y * w;
      int out = y * ow;
      for (int x = 0; x < ow; x++) {
        float l = lx[x];
        scratch[out + x] = src[row + x0[x]] * (1 - l) + src[row + x1[x]] * l;
      }
    }
  }

  /** Writes output row y (ow values, from {@code outOffset}) from {@link #horizontal}'s rows. */
  public void row(float[] scratch, int y, float[] out, int outOffset) {
    int top = y0[y] * ow;
    int bottom = y1[y] * ow;
    float l = ly[y];
    float m = 1 - l;
    for (int x = 0; x < ow; x++) {
      out[outOffset + x] = scratch[top + x] * m + scratch[bottom + x] * l;
    }
  }

  /** Returns the output grid's rows. */
  public int rows() {
    return oh;
  }

  /** Returns the output grid's columns. */
  public int columns() {
    return ow;
  }

  /** Resizes {@code src} (h x w, row-major, from {@code offset}) into {@code dst} (oh x ow). */
  public void resize(float[] src, int offset, float[] dst) {
    resize(src, offset, dst, 0, newScratch());
  }

  /** Resizes {@code src} (h x w, row-major, from {@code offset}) into {@code dst} (oh x ow). */
  public static void resize(float[] src, int offset, int h, int w, float[] dst, int oh, int ow) {
    new BilinearResize(h, w, oh, ow).resize(src, offset, dst);
  }

  /** Returns one output cell's value, bit-identical to what {@link #resize} writes there. */
  public float value(float[] src, int offset, int cell) {
    int y = cell / ow;
    int x = cell - y * ow;
    float l = lx[x];
    float top = src[offset + y0[y] * w + x0[x]] * (1 - l) + src[offset + y0[y] * w + x1[x]] * l;
    float bottom = src[offset + y1[y] * w + x0[x]] * (1 - l) + src[offset + y1[y] * w + x1[x]] * l;
    float v = ly[y];
    return top * (1 - v) + bottom * v;
  }

  /**
   * Returns the sum of the squares of the resized values of {@code src - shift} (one record), in
   * exact arithmetic on the source grid: ||R_h X R_w^T||^2 = sum X . (G_h X G_w) with the
   * tridiagonal Gram matrices G = R^T R, about 7 operations per source value instead of resizing.
   *
   * @param scratch at least twice {@link #sourceSymbols} doubles
   */
  public double squaredNorm(float[] src, int offset, double shift, double[] scratch) {
    // Hot: once per unit and record. X - shift is formed once per value (as a double, the very
    // value formed in each use before), then scratch = G_h (X - shift) with the row's neighbours
    // decided per row, not per value, in the same order of operations.
    int n = h * w;
    for (int i = 0; i < n; i++) {
      scratch[n + i] = src[offset + i] - shift;
    }
    for (int y = 0; y < h; y++) {
      double above = gramRows[0][y];
      double on = gramRows[1][y];
      double below = gramRows[2][y];
      int row = n + y * w;
      int out = y * w;
      if (y > 0 && y < h - 1) {
        for (int x = 0; x < w; x++) {
          double v = on * scratch[row + x];
          v += above * scratch[row - w + x];
          v += below * scratch[row + w + x];
          scratch[out + x] = v;
        }
      } else {
        for (int x = 0; x < w; x++) {
          double v = on * scratch[row + x];
          if (y > 0) {
            v += above * scratch[row - w + x];
          }
          if (y < h - 1) {
            v += below * scratch[row + w + x];
          }
          scratch[out + x] = v;
        }
      }
    }
    double[] left = gramColumns[2];
    double[] on = gramColumns[1];
    double[] right = gramColumns[0];
    double total = 0;
    for (int y = 0; y < h; y++) {
      int row = y * w;
      // (scratch G_w)[y][x]: G_w is symmetric, so column x of it is its row x. The row's two ends
      // lack a neighbour; the cells between have both (no test per cell), summed in the same order.
      int last = w - 1;
      double first = scratch[row] * on[0];
      if (last > 0) {
        first += scratch[row + 1] * right[1];
      }
      total += scratch[n + row] * first;
      for (int x = 1; x < last; x++) {
        double v = scratch[row + x] * on[x];
        v += scratch[row + x - 1] * left[x - 1];
        v += scratch[row + x + 1] * right[x + 1];
        total += scratch[n + row + x] * v;
      }
      if (last > 0) {
        double end = scratch[row + last] * on[last];
        end += scratch[row + last - 1] * left[last - 1];
        total += scratch[n + row + last] * end;
      }
    }
    return total;
  }

  /** Returns (R^T 1)[cell]: the weight of one source cell in the sum of the resized values. */
  public double columnSum(int sourceCell) {
    return columnSums[sourceCell];
  }

  /**
   * Returns the sum of the resized values of {@code src - shift} (one record), in exact arithmetic
   * on the source grid.
   */
  public double sum(float[] src, int offset, double shift) {
    double total = 0;
    for (int i = 0; i < columnSums.length; i++) {
      total += columnSums[i] * (src[offset + i] - shift);
    }
    return total;
  }

  /**
   * Adds R^T (a - shift) to {@code out} (source grid, from {@code outOffset}) for one record's
   * annotation-grid values {@code a}: then for any source values x, sum (a - shift) . R x = out . x
   * (exact arithmetic), which turns a dot product with resized values into one on the source grid.
   */
  public void addAdjoint(
      java.nio.FloatBuffer a, int offset, double shift, double[] out, int outOffset) {
    for (int cell = 0; cell < oh * ow; cell++) {
      double v = a.get(offset + cell) - shift;
      if (v != 0) {
        addAdjointAt(cell, v, out, outOffset);
      }
    }
  }

  /**
   * Adds R^T v e_cell to {@code out}: one output cell's share of {@link #addAdjoint}, with the same
   * arithmetic, for annotations given by their non-zero cells.
   */
  public void addAdjointAt(int cell, double v, double[] out, int outOffset) {
    int y = cell / ow;
    int x = cell - y * ow;
    double wy1 = ly[y];
    double wy0 = 1 - wy1;
    int top = outOffset + y0[y] * w;
    int bottom = outOffset + y1[y] * w;
    double wx1 = lx[x];
    double wx0 = 1 - wx1;
    out[top + x0[x]] += v * wy0 * wx0;
    out[top + x1[x]] += v * wy0 * wx1;
    out[bottom + x0[x]] += v * wy1 * wx0;
    out[bottom + x1[x]] += v * wy1 * wx1;
  }

  /** Returns the number of blocks (source cells; some blocks may hold no output cell). */
  public int blocks() {
    return h * w;
  }

  /** Returns the first index into {@link #blockCell} of block b's cells (b + 1's ends them). */
  public int blockStart(int b) {
    return blockStart[b];
  }

  /** For a non-decreasing map of output to source indexes, where each source index's run starts. */
  private static int[] starts(int[] source, int size) {
    int[] start = new int[size + 1];
    for (int s : source) {
      start[s + 1]++;
    }
    for (int i = 0; i < size; i++) {
      start[i + 1] += start[i];
    }
    return start;
  }

  /** Returns the most output cells a block has. */
  public int maxBlockCells() {
    int most = 0;
    for (int b = 0; b < h * w; b++) {
      most = Math.max(most, blockStart[b + 1] - blockStart[b]);
    }
    return most;
  }

  /**
   * Computes block b's values into {@code values} and their output cells into {@code cells}, in
   * block order ({@link #blockCell}), bit-identical to {@link #value}; returns how many. The four
   * corners are read once for the block instead of once per cell. Rows whose every value lies below
   * {@code limit} are skipped: a row's exact values lie between its two ends (interpolation along
   * the row is linear), and its computed ones stray from them by less than {@code slack} ({@link
   * #slack} of the corners' magnitude). Every cell whose value reaches {@code limit} is returned; a
   * limit of minus infinity returns the whole block.
   */
  public int blockValuesReaching(
      float[] src, int offset, int b, float limit, float slack, float[] values, int[] cells) {
    int by = b / w;
    int bx = b - by * w;
    int ys = rowStart[by];
    int ye = rowStart[by + 1];
    int xs = columnStart[bx];
    int xe = columnStart[bx + 1];
    if (ys == ye || xs == xe) {
      return 0;
    }
    // Every cell of a block has the same four source cells (y0, y1, x0, x1 depend on the block).
    float c00 = src[offset + y0[ys] * w + x0[xs]];
    float c01 = src[offset + y0[ys] * w + x1[xs]];
    float c10 = src[offset + y1[ys] * w + x0[xs]];
    float c11 = src[offset + y1[ys] * w + x1[xs]];
    int n = 0;
    for (int y = ys; y < ye; y++) {
      float v = ly[y];
      float left = c00 * (1 - v) + c10 * v;
      float right = c01 * (1 - v) + c11 * v;
      if (Math.max(left, right) + slack < limit) {
        continue;
      }
      for (int x = xs; x < xe; x++) {
        float l = lx[x];
        float top = c00 * (1 - l) + c01 * l;
        float bottom = c10 * (1 - l) + c11 * l;
        values[n] = top * (1 - v) + bottom * v;
        cells[n++] = y * ow + x;
      }
    }
    return n;
  }

  /** Returns the i-th output cell in block order. */
  public int blockCell(int i) {
    return blockCells[i];
  }

  /** Returns block b's corner k (0..3) in {@code src} from {@code offset}. */
  public float corner(float[] src, int offset, int b, int k) {
    int by = b / w;
    int bx = b - by * w;
    int y = (k & 2) == 0 ? by : Math.min(by + 1, h - 1);
    int x = (k & 1) == 0 ? bx : Math.min(bx + 1, w - 1);
    return src[offset + y * w + x];
  }

  /**
   * Returns how far, at most, a computed value of a block may stray outside its corners' range by
   * rounding, for corners of magnitude at most {@code magnitude}: a few float operations, each off
   * by half an ulp of a term no larger than the magnitude, with a wide margin. Zero for zero
   * corners, whose every value is exactly zero.
   */
  public static float slack(float magnitude) {
    // 2^-19 of the magnitude is 16 ulps of it or more; the constant covers subnormal rounding.
    return magnitude == 0f ? 0f : magnitude * 0x1p-19f + 16 * Float.MIN_VALUE;
  }
}
