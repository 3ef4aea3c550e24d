package org.deepbase.engine.extract;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Random;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.nn.OneDnn;

/**
 * Checks once per JVM that the native runtime computes convolution input gradients correctly,
 * against a plain-loop reference, before any gradient behavior is trusted.
 *
 * <p>Why: on a machine of this project (AVX-512), libtorch 2.7.1's oneDNN kernels returned wrong
 * input gradients for batched convolutions (and wrong nn.LSTM outputs), run to run; capping oneDNN
 * to SSE4.1 ({@code ONEDNN_MAX_CPU_ISA=SSE41}, read once at process start) made them exact. A wrong
 * saliency map looks plausible, so DeepBase refuses rather than returns it. Because the failure is
 * intermittent (a self-check passed once and the next gradients were wrong), a CPU with AVX2 or
 * wider needs the cap, or an explicit {@code -Ddeepbase.gradients.trustOneDnn=true}; the self-check
 * then runs on top.
 */
final class GradientCheck {
  static final String FIX = OneDnn.FIX;

  /** Skips the instruction-set requirement on machines whose oneDNN kernels are trusted. */
  static final String TRUST = "deepbase.gradients.trustOneDnn";

  private static final int CHECKS = 3;
  private static volatile Boolean passed;

  private GradientCheck() {}

  /** Fails with the reason and the fix unless this JVM's convolution gradients are correct. */
  static void require() {
    if (OneDnn.suspect() && !Boolean.getBoolean(TRUST)) {
      throw new DeepBaseException(
          ErrorCode.MODEL_FAILED,
          "gradient behaviors are refused: on CPUs with AVX2 or"
              + " wider, libtorch's oneDNN kernels were measured to return wrong convolution gradients intermittently,"
              + " which no quick self-check can rule out; start DeepBase with the environment variable "
              + FIX
              + " (e.g. '"
              + FIX
              + " ./deepbase ...'), which makes them exact at some cost in speed, or set -D"
              + TRUST
              + "=true if this machine's kernels are known good (see docs/pytorch.md)");
    }
    Boolean ok = passed;
    if (ok == null) {
      synchronized (GradientCheck.class) {
        ok = passed;
        if (ok == null) {
          boolean all = true;
          for (int i = 0; i < CHECKS && all; i++) {
            all = correct();
          }
          ok = passed = all;
        }
      }
    }
    if (!ok) {
      throw new DeepBaseException(
          ErrorCode.MODEL_FAILED,
          "gradient behaviors are refused: this machine's native"
              + " runtime (libtorch oneDNN kernels) computed a wrong convolution input gradient in DeepBase's self-check;"
              + " start DeepBase with the environment variable "
              + FIX
              + " (e.g. '"
              + FIX
              + " ./deepbase ...'), which"
              + " makes them exact at some cost in speed (see docs/pytorch.md)");
    }
  }

  /** Compares libtorch's input gradient of a 3x3 padded convolution (64 records) with loops. */
  static boolean correct() {
    int n = 64;
    int c = 3;
    int h = 8;
    int w = 10;
    Random random = new Random(7);
    float[] input = new float[n * c * h * w];
    float[] weight = new float[2 * c * 9];
    for (int i = 0; i < input.length; i++) {
      input[i] = (float) random.nextGaussian();
    }
    for (int i = 0; i < weight.length; i++) {
      weight[i] = (float) random.nextGaussian();
    }
    boolean mode = JniUtils.isGradMode();
    JniUtils.setGradMode(true);
    try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
      NDArray x = manager.create(input, new Shape(n, c, h, w)).duplicate();
      x.setRequiresGradient(true);
      NDArray k = manager.create(weight, new Shape(2, c, 3, 3));
      NDArray y =
          Conv2d.conv2d(x, k, null, new Shape(1, 1), new Shape(1, 1), new Shape(1, 1), 1).get(0);
      NDArray target = y.get(new NDIndex(":, 0")).sum();
      JniUtils.backward((PtNDArray) target, (PtNDArray) target.onesLike(), false, false);
      float[] actual = x.getGradient().toFloatArray();
      // d(sum of output channel 0)/d x[r, ch, i, j] = sum of the taps of kernel 0 whose output
      // position (i - ki + 1, j - kj + 1) lies inside the map; it does not depend on x.
      for (int ch = 0; ch < c; ch++) {
        for (int i = 0; i < h; i++) {
          for (int j = 0; j < w; j++) {
            double expected = 0;
            for (int ki = 0; ki < 3; ki++) {
              for (int kj = 0; kj < 3; kj++) {
                int oi = i - ki + 1;
                int oj = j - kj + 1;
                if (oi >= 0 && oi < h && oj >= 0 && oj < w) {
                  expected += weight[(ch * 3 + ki) * 3 + kj];
                }
              }
            }
            for (int r = 0; r < n; r++) {
              if (!(Math.abs(actual[((r * c + ch) * h + i) * w + j] - expected) <= 1e-4)) {
                return false;
              }
            }
          }
        }
      }
      return true;
    } finally {
      JniUtils.setGradMode(mode);
    }
  }
}
