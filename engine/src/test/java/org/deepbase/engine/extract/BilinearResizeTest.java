package org.deepbase.engine.extract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BilinearResizeTest {
  @Test
  void matchesTorchAlignCornersFalse() {
    // torch.nn.functional.interpolate(tensor([[[[0., 1.], [2., 3.]]]]), size=(4, 4),
    // mode='bilinear')
    float[] src = {0, 1, 2, 3};
    float[] dst = new float[16];
    BilinearResize.resize(src, 0, 2, 2, dst, 4, 4);
    assertArrayEquals(
        new float[] {
          0f, 0.25f, 0.75f, 1f,
          0.5f, 0.75f, 1.25f, 1.5f,
          1.5f, 1.75f, 2.25f, 2.5f,
          2f, 2.25f, 2.75f, 3f
        },
        dst,
        1e-6f);
  }

  @Test
  void sameSizeIsIdentity() {
    float[] src = {1, 2, 3, 4, 5, 6};
    float[] dst = new float[6];
    BilinearResize.resize(src, 0, 2, 3, dst, 2, 3);
    assertArrayEquals(src, dst, 0f);
  }

  @Test
  void separableResizeIsBitIdenticalToFourNeighbourInterpolation() {
    java.util.Random rng = new java.util.Random(3);
    int[][] shapes = {{7, 7, 112, 112}, {3, 5, 24, 24}, {1, 9, 1, 30}, {14, 14, 56, 56}};
    for (int[] shape : shapes) {
      int h = shape[0];
      int w = shape[1];
      int oh = shape[2];
      int ow = shape[3];
      float[] src = new float[3 + h * w];
      for (int i = 0; i < src.length; i++) {
        src[i] = (float) rng.nextGaussian();
      }
      float[] dst = new float[oh * ow];
      new BilinearResize(h, w, oh, ow).resize(src, 3, dst);
      float[] expected = new float[oh * ow];
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
          float top = src[3 + y0 * w + x0] * (1 - lx) + src[3 + y0 * w + x1] * lx;
          float bottom = src[3 + y1 * w + x0] * (1 - lx) + src[3 + y1 * w + x1] * lx;
          expected[y * ow + x] = top * (1 - ly) + bottom * ly;
        }
      }
      assertArrayEquals(expected, dst, 0f, java.util.Arrays.toString(shape));
    }
  }

  @Test
  void blockValuesAreTheResizedValuesOfEachCellOnce() {
    java.util.Random rng = new java.util.Random(5);
    int[][] shapes = {
      {7, 7, 112, 112}, {56, 56, 112, 112}, {6, 5, 4, 3}, {1, 9, 1, 30}, {3, 3, 3, 3}
    };
    for (int[] shape : shapes) {
      int h = shape[0];
      int w = shape[1];
      BilinearResize plan = new BilinearResize(h, w, shape[2], shape[3]);
      float[] src = new float[2 + h * w];
      for (int i = 0; i < src.length; i++) {
        src[i] = (float) rng.nextGaussian();
      }
      float[] dst = new float[shape[2] * shape[3]];
      plan.resize(src, 2, dst);
      float[] fromBlocks = new float[dst.length];
      java.util.Arrays.fill(fromBlocks, Float.NaN);
      float[] values = new float[plan.maxBlockCells()];
      int[] cells = new int[values.length];
      int seen = 0;
      for (int b = 0; b < h * w; b++) {
        int n = plan.blockValuesReaching(src, 2, b, Float.NEGATIVE_INFINITY, 0f, values, cells);
        assertEquals(plan.blockStart(b + 1) - plan.blockStart(b), n);
        for (int k = 0; k < n; k++) {
          assertEquals(plan.blockCell(plan.blockStart(b) + k), cells[k], "block order");
          assertTrue(Float.isNaN(fromBlocks[cells[k]]), "each cell once");
          fromBlocks[cells[k]] = values[k];
          seen++;
        }
      }
      assertEquals(dst.length, seen);
      assertArrayEquals(dst, fromBlocks, 0f, java.util.Arrays.toString(shape));
    }
  }

  @Test
  void blockValuesReachingKeepEveryValueAtTheLimitAndSkipRowsBelowIt() {
    java.util.Random rng = new java.util.Random(11);
    int[][] shapes = {{7, 7, 112, 112}, {14, 14, 112, 112}, {6, 5, 4, 3}, {1, 9, 1, 30}};
    for (int[] shape : shapes) {
      int h = shape[0];
      int w = shape[1];
      BilinearResize plan = new BilinearResize(h, w, shape[2], shape[3]);
      float[] src = new float[h * w];
      for (int i = 0; i < src.length; i++) {
        src[i] = Math.max(0f, (float) rng.nextGaussian()); // ReLU-like: flat zero runs and peaks
      }
      float[] dst = new float[shape[2] * shape[3]];
      plan.resize(src, 0, dst);
      float[] sorted = dst.clone();
      java.util.Arrays.sort(sorted);
      float[] values = new float[plan.maxBlockCells()];
      int[] cells = new int[values.length];
      for (double q : new double[] {0.5, 0.9, 0.995}) {
        // A limit equal to a resized value: the cell holding it sits right at the edge.
        float limit = sorted[(int) (q * (sorted.length - 1))];
        boolean[] returned = new boolean[dst.length];
        int computed = 0;
        for (int b = 0; b < h * w; b++) {
          float min = Float.POSITIVE_INFINITY;
          float max = Float.NEGATIVE_INFINITY;
          for (int c = 0; c < 4; c++) {
            min = Math.min(min, plan.corner(src, 0, b, c));
            max = Math.max(max, plan.corner(src, 0, b, c));
          }
          float slack = BilinearResize.slack(Math.max(Math.abs(min), Math.abs(max)));
          int n = plan.blockValuesReaching(src, 0, b, limit, slack, values, cells);
          computed += n;
          for (int k = 0; k < n; k++) {
            assertEquals(dst[cells[k]], values[k], 0f, "bit-identical");
            assertTrue(!returned[cells[k]], "each cell once");
            returned[cells[k]] = true;
          }
        }
        for (int c = 0; c < dst.length; c++) {
          if (dst[c] >= limit) {
            assertTrue(
                returned[c],
                "cell " + c + " reaches the limit " + java.util.Arrays.toString(shape));
          }
        }
        if (q > 0.9 && shape[2] >= 112) {
          assertTrue(computed < dst.length / 2, "rows below the limit are skipped: " + computed);
        }
      }
    }
  }
}
