package org.deepbase.engine.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CpuInfoTest {
  private static final String PROCESSOR =
      "processor\t: %d\nvendor_id\t: AuthenticAMD\nmodel name\t: %s\n"
          + "flags\t\t: fpu sse sse2 %s fma bmi2\n\n";

  @Test
  void namesTheFirstProcessorsModelAndItsWidestVectorExtension() {
    String zen3 =
        String.format(PROCESSOR, 0, "AMD EPYC 7B13", "avx avx2")
            + String.format(PROCESSOR, 1, "AMD EPYC 7B13", "avx avx2");
    assertEquals("AMD EPYC 7B13 (AVX2)", CpuInfo.parse(zen3).toString());
    String zen4 = String.format(PROCESSOR, 0, "AMD EPYC 9B14", "avx avx2 avx512f avx512bw");
    assertEquals("AMD EPYC 9B14 (AVX-512)", CpuInfo.parse(zen4).toString());
    // Only the first processor counts, and a machine without AVX says so.
    String mixed =
        String.format(PROCESSOR, 0, "Old core", "ssse3")
            + String.format(PROCESSOR, 1, "New core", "avx512f");
    assertEquals("Old core (no AVX)", CpuInfo.parse(mixed).toString());
    assertEquals("unknown CPU (no AVX)", CpuInfo.parse("").toString());
  }

  @Test
  void wideVectorsStartAtAvx2() {
    // oneDNN's suspect kernels are its AVX2 and AVX-512 ones (OneDnn.wideVectors).
    assertTrue(CpuInfo.Vectors.AVX512.atLeast(CpuInfo.Vectors.AVX2));
    assertTrue(CpuInfo.Vectors.AVX2.atLeast(CpuInfo.Vectors.AVX2));
    assertFalse(CpuInfo.Vectors.AVX.atLeast(CpuInfo.Vectors.AVX2));
    assertFalse(
        CpuInfo.parse(String.format(PROCESSOR, 0, "x", "avx"))
            .vectors()
            .atLeast(CpuInfo.Vectors.AVX2));
  }
}
