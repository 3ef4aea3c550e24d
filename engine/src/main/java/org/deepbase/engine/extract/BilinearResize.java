package org.deepbase.engine.extract;

/**
 * Resizes a unit's grid to the annotation grid by bilinear interpolation with half-pixel centres
 * (PyTorch's {@code interpolate(mode='bilinear', align_corners=False)}), as NetDissect upsamples
 * activations to the segmentation mask.
 */
public final class BilinearResize {
  private BilinearResize() {}

  /** Resizes {@code src} (h x w, row-major, from {@code offset}) into {@code dst} (oh x ow). */
  public static void resize(float[] src, int offset, int h, int w, float[] dst, int oh, int ow) {
    float sy = (float) h / oh;
    float sx = (float) w / ow;
    for (int y = 0; y < oh; y++) {
      float fy = Math.max((y + 0.5f) * sy - 0.5f, 0f);
      int y0 = Math.min((int) fy, h - 1);
      int y1 = Math.min(y0 + 1, h - 1);
      float ly = fy - y0;
      for (int x = 0; x < ow; x++) {
        float fx = Math.max((x + 0.5f) * sx - 0.5f, 0f);
        int x0 = Math.min((int) fx, w - 1);
        int x1 = Math.min(x0 + 1, w - 1);
        float lx = fx - x0;
        float top = src[offset + y0 * w + x0] * (1 - lx) + src[offset + y0 * w + x1] * lx;
        float bottom = src[offset + y1 * w + x0] * (1 - lx) + src[offset + y1 * w + x1] * lx;
        dst[y * ow + x] = top * (1 - ly) + bottom * ly;
      }
    }
  }
}
