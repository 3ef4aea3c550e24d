package org.deepbase.engine.nn;

/**
 * What DeepBase knows about libtorch's oneDNN kernels on this machine. On this project's AVX-512
 * machines libtorch 2.7.1's oneDNN gave wrong nn.LSTM outputs and intermittently wrong convolution
 * input gradients; capping it to SSE4.1 before the process starts made both exact
 * (docs/pytorch.md).
 */
public final class OneDnn {
  /** The environment setting that makes the suspect kernels exact. */
  public static final String FIX = "ONEDNN_MAX_CPU_ISA=SSE41";

  private OneDnn() {}

  /** Returns whether oneDNN was capped to SSE4.1 before the process started. */
  public static boolean capped() {
    String isa = System.getenv("ONEDNN_MAX_CPU_ISA");
    if (isa == null) {
      isa = System.getenv("DNNL_MAX_CPU_ISA");
    }
    return isa != null && isa.trim().equalsIgnoreCase("SSE41");
  }

  /**
   * Returns whether the CPU offers AVX2 or wider vectors (where oneDNN picks the suspect kernels).
   */
  public static boolean wideVectors() {
    // Unknown: assume the worst.
    return CpuInfo.read().map(cpu -> cpu.vectors().atLeast(CpuInfo.Vectors.AVX2)).orElse(true);
  }

  /** Returns whether kernels of the suspect kind run here: a wide-vector CPU without the cap. */
  public static boolean suspect() {
    return wideVectors() && !capped();
  }
}
