package org.deepbase.engine.extract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

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
}
