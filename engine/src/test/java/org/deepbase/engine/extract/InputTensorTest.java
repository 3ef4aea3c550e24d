package org.deepbase.engine.extract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.FloatBuffer;
import java.util.Random;
import org.apache.arrow.memory.BufferAllocator;
import org.deepbase.engine.data.Allocators;
import org.junit.jupiter.api.Test;

/** A batch's inputs as a PyTorch tensor over allocator memory, freed when closed. */
class InputTensorTest {
  @Test
  void theTensorHoldsTheRemainingInputsAndItsMemoryIsFreedOnClose() {
    float[] values = new float[2 + 3 * 4 * 5];
    Random random = new Random(5);
    for (int i = 0; i < values.length; i++) {
      values[i] = random.nextFloat() - 0.5f;
    }
    // From position 2: a batch's inputs need not start at its array's first float.
    FloatBuffer inputs = FloatBuffer.wrap(values).position(2);
    try (BufferAllocator allocator = Allocators.newChild("test");
        NDManager manager = NDManager.newBaseManager("PyTorch")) {
      try (InputTensor tensor = InputTensor.of(manager, allocator, inputs, new Shape(3, 4, 5))) {
        assertEquals(new Shape(3, 4, 5), tensor.array().getShape());
        assertArrayEquals(
            java.util.Arrays.copyOfRange(values, 2, values.length), tensor.array().toFloatArray());
        // The tensor's sum is computed by PyTorch over the allocator's memory.
        assertEquals(sum(values, 2), tensor.array().sum().getFloat(), 1e-4);
        assertTrue(allocator.getAllocatedMemory() >= 60L * Float.BYTES);
      }
      assertEquals(0, allocator.getAllocatedMemory(), "freed on close");
      assertEquals(2, inputs.position(), "the caller's buffer is not moved");
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> InputTensor.of(manager, allocator, inputs, new Shape(3, 4, 4)));
      assertTrue(e.getMessage().contains("60 floats"), e.getMessage());
      assertEquals(0, allocator.getAllocatedMemory(), "nothing held after a refused shape");
    }
  }

  private static double sum(float[] values, int from) {
    double s = 0;
    for (int i = from; i < values.length; i++) {
      s += values[i];
    }
    return s;
  }
}
