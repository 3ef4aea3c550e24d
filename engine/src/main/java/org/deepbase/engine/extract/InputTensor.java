package org.deepbase.engine.extract;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.deepbase.engine.catalog.ModelDescriptor;
import org.deepbase.engine.data.RecordBatch;
import org.deepbase.engine.nn.Architecture;

/**
 * A batch's inputs as the model's input tensor, over native memory this object owns and frees when
 * closed.
 *
 * <p>Given a heap buffer, DJL copies it into a new direct buffer per call, which is only freed once
 * the garbage collector finds it: for a batch of 32 RGB images of 224 x 224 that is 18 MB of fresh
 * native memory per batch, held until a collection. Here the one copy goes into allocator memory
 * freed as soon as the batch's forward pass is done, which malloc hands to the next batch again;
 * the tensor reads it in place.
 */
public final class InputTensor implements AutoCloseable {
  private final ArrowBuf memory;
  private final NDArray array;

  private InputTensor(ArrowBuf memory, NDArray array) {
    this.memory = memory;
    this.array = array;
  }

  /** A batch's inputs as {@code model}'s input tensor (see {@link #of}). */
  public static InputTensor ofBatch(
      NDManager manager, BufferAllocator allocator, RecordBatch batch, ModelDescriptor model) {
    return of(manager, allocator, batch.inputs(), Architecture.inputShape(model, batch.size()));
  }

  /**
   * Copies {@code inputs} (its remaining floats, as many as {@code shape} holds) into memory from
   * {@code allocator} and wraps it as a float32 tensor of {@code manager}.
   */
  public static InputTensor of(
      NDManager manager, BufferAllocator allocator, FloatBuffer inputs, Shape shape) {
    int floats = Math.toIntExact(shape.size());
    if (inputs.remaining() != floats) {
      throw new IllegalArgumentException(
          "inputs hold " + inputs.remaining() + " floats, the shape " + shape + " needs " + floats);
    }
    ArrowBuf memory = allocator.buffer((long) floats * Float.BYTES);
    try {
      // The tensor reads the bytes as the platform lays out floats.
      ByteBuffer bytes = memory.nioBuffer(0, floats * Float.BYTES).order(ByteOrder.nativeOrder());
      bytes.asFloatBuffer().put(inputs.duplicate());
      return new InputTensor(memory, manager.create(bytes, shape, DataType.FLOAT32));
    } catch (RuntimeException e) {
      memory.close();
      throw e;
    }
  }

  /** The tensor; valid until {@link #close}. */
  public NDArray array() {
    return array;
  }

  /** Closes the tensor, then frees the memory it reads. */
  @Override
  public void close() {
    try (ArrowBuf owned = memory) {
      array.close();
    }
  }
}
