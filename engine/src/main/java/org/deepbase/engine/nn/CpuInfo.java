package org.deepbase.engine.nn;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The CPU libtorch runs on, as Linux's /proc/cpuinfo describes its first processor: the model and
 * the widest vector extension. PyTorch and oneDNN pick their kernels by that width, which decides
 * both which kernels are suspect ({@link OneDnn}) and how fast a forward pass is: ResNet-18's took
 * 2.2 times the CPU on an AVX2 EPYC that it took on an AVX-512 one (docs/design-notes.md, "The same
 * bench on an AVX2 machine").
 *
 * @param model the first processor's model name
 * @param vectors its widest vector extension
 */
public record CpuInfo(String model, Vectors vectors) {
  /** Vector extensions, narrowest first. */
  public enum Vectors {
    NONE("no AVX"),
    AVX("AVX"),
    AVX2("AVX2"),
    AVX512("AVX-512");

    private final String label;

    Vectors(String label) {
      this.label = label;
    }

    /** Returns whether this is at least {@code other}. */
    public boolean atLeast(Vectors other) {
      return compareTo(other) >= 0;
    }
  }

  /** Returns this machine's CPU, or empty where /proc/cpuinfo cannot be read (not Linux). */
  public static Optional<CpuInfo> read() {
    try {
      return Optional.of(parse(Files.readString(Path.of("/proc/cpuinfo"))));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Reads the first processor's model name and flags from /proc/cpuinfo's text. */
  public static CpuInfo parse(String cpuinfo) {
    String model = null;
    Set<String> flags = null;
    for (String line : cpuinfo.split("\n")) {
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String key = line.substring(0, colon).trim();
      String value = line.substring(colon + 1).trim();
      if (key.equals("model name") && model == null) {
        model = value;
      } else if (key.equals("flags") && flags == null) {
        flags = new HashSet<>(Arrays.asList(value.split("\\s+")));
      }
    }
    Set<String> has = flags == null ? Set.of() : flags;
    Vectors vectors =
        has.contains("avx512f")
            ? Vectors.AVX512
            : has.contains("avx2")
                ? Vectors.AVX2
                : has.contains("avx") ? Vectors.AVX : Vectors.NONE;
    return new CpuInfo(model == null ? "unknown CPU" : model, vectors);
  }

  /** Returns e.g. "AMD EPYC (AVX2)". */
  @Override
  public String toString() {
    return model + " (" + vectors.label + ")";
  }
}
