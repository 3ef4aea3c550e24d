package org.deepbase.engine.extract;

import java.util.Arrays;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.ipc.message.ArrowFieldNode;

/**
 * Float vectors whose every value is written right after allocation: Arrow's {@code allocateNew}
 * zeroes the buffers first, which cost about half a second of the exact ResNet-18 INSPECT's serial
 * time at N = 2,000 (3 GB of behaviors zeroed, then overwritten, twice).
 */
public final class Vectors {
  private Vectors() {}

  /**
   * Gives {@code vector} a data buffer for {@code values} floats, all valid; the caller writes
   * every value.
   */
  public static void allocateUnzeroed(Float4Vector vector, int values, BufferAllocator allocator) {
    try (ArrowBuf data = allocator.buffer((long) values * Float.BYTES)) {
      // No validity buffer and no nulls: Arrow makes one with every value valid.
      vector.loadFieldBuffers(new ArrowFieldNode(values, 0), Arrays.asList(null, data));
    }
  }

  /** Returns a view of a vector's first {@code values} floats (its Arrow data, no copy). */
  public static java.nio.FloatBuffer floats(Float4Vector vector, int values) {
    return vector
        .getDataBuffer()
        .nioBuffer(0, values * Float.BYTES)
        .order(java.nio.ByteOrder.LITTLE_ENDIAN)
        .asFloatBuffer();
  }

  /** Makes {@code target} hold the first {@code values} of {@code source}, data and validity. */
  public static void copy(
      Float4Vector source, Float4Vector target, int values, BufferAllocator allocator) {
    long bytes = (long) values * Float.BYTES;
    long validityBytes = (values + 7) / 8;
    try (ArrowBuf validity = allocator.buffer(validityBytes);
        ArrowBuf data = allocator.buffer(bytes)) {
      validity.setBytes(0, source.getValidityBuffer(), 0, validityBytes);
      data.setBytes(0, source.getDataBuffer(), 0, bytes);
      target.loadFieldBuffers(new ArrowFieldNode(values, 0), Arrays.asList(validity, data));
    }
  }
}
