package org.deepbase.engine.extract;

import ai.djl.ndarray.NDManager;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.ForeignAllocation;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.ipc.message.ArrowFieldNode;

/**
 * Hands a layer's unit-major output tensor to Arrow without copying it: the tensor's memory becomes
 * one Arrow allocation (counted by the allocator like any other) and each unit's vector is a slice
 * of it. The tensor's manager is closed when the last vector lets go, so the behaviors stay valid
 * exactly as long as Arrow says they are used.
 */
final class NativeBehaviors extends ForeignAllocation {
  private final NDManager owner;

  private NativeBehaviors(ByteBuffer bytes, NDManager owner) {
    super(bytes.capacity(), MemoryUtil.getByteBufferAddress(bytes));
    this.owner = owner;
  }

  /**
   * Wraps {@code runs} contiguous runs of {@code runBytes} each as Float4 vectors.
   *
   * @param bytes a direct view of the tensor's memory
   * @param owner the manager holding the tensor; owned by the returned vectors from now on (and
   *     closed here if wrapping fails)
   * @param names one vector name per run
   */
  static List<Float4Vector> wrap(
      ByteBuffer bytes,
      NDManager owner,
      int runBytes,
      List<String> names,
      BufferAllocator allocator) {
    ArrowBuf whole;
    try {
      whole = allocator.wrapForeignAllocation(new NativeBehaviors(bytes, owner));
    } catch (RuntimeException e) {
      owner.close();
      throw e;
    }
    List<Float4Vector> vectors = new ArrayList<>(names.size());
    int values = runBytes / Float.BYTES;
    // Our own reference goes at the end: each vector holds one on its slice, and the last one to
    // close releases the tensor.
    try (whole) {
      for (int i = 0; i < names.size(); i++) {
        Float4Vector vector = new Float4Vector(names.get(i), allocator);
        vectors.add(vector);
        // No nulls: Arrow allocates the validity bitmap itself, all set.
        try (ArrowBuf validity = allocator.getEmpty()) {
          vector.loadFieldBuffers(
              new ArrowFieldNode(values, 0),
              List.of(validity, whole.slice((long) i * runBytes, runBytes)));
        }
      }
    } catch (RuntimeException e) {
      vectors.forEach(Float4Vector::close);
      throw e;
    }
    return vectors;
  }

  @Override
  protected void release0() {
    owner.close();
  }
}
