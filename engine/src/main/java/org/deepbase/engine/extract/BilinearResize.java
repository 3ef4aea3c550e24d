package org.deepbase.engine.extract;

/**
 * Resizes a unit's grid to the annotation grid by bilinear interpolation with half-pixel centres
 * (PyTorch's {@code interpolate(mode='bilinear', align_corners=False)}), as NetDissect upsamples
 * activations to the segmentation mask.
 *
 * <p>An instance holds the source columns and weights of every output column and row, computed once
 * per shape, and resizes separably: each source row is interpolated along x once, then each output
 * row is a blend of two such rows. The arithmetic is the same as interpolating each output cell
 * from its four neighbours (same operations in the same order), so results are bit-identical, at
 * about two multiplications per output value. Not thread-safe (a row buffer): one per thread.
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
  private final float[] rows;

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
    rows = new float[h * ow];
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

  /** Resizes {@code src} (h x w, row-major, from {@code offset}) into {@code dst} (oh x ow). */
  public void resize(float[] src, int offset, float[] dst) {
    for (int y = 0; y < h; y++) {
      int row = offset + y * w;
      int out = y * ow;
      for (int x = 0; x < ow; x++) {
        float l = lx[x];
        rows[out + x] = src[row + x0[x]] * (1 - l) + src[row + x1[x]] * l;
      }
    }
    for (int y = 0; y < oh; y++) {
      int top = y0[y] * ow;
      int bottom = y1[y] * ow;
      float l = ly[y];
      float m = 1 - l;
      int out = y * ow;
      for (int x = 0; x < ow; x++) {
        dst[out + x] = rows[top + x] * m + rows[bottom + x] * l;
      }
    }
  }

  /** Resizes {@code src} (h x w, row-major, from {@code offset}) into {@code dst} (oh x ow). */
  public static void resize(float[] src, int offset, int h, int w, float[] dst, int oh, int ow) {
    new BilinearResize(h, w, oh, ow).resize(src, offset, dst);
  }
}
