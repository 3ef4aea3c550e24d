package org.deepbase.engine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.BiConsumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Converting .npy arrays of every numeric dtype to float32, as numpy's astype(float32) does. */
class NpyTest {
  /** Each dtype's test values, written by {@code put}, and what astype(float32) makes of them. */
  private record Case(
      String dtype, int size, BiConsumer<ByteBuffer, Integer> put, float[] expected) {}

  private static Case of(String dtype) {
    ByteOrder order = dtype.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    return switch (dtype.substring(1)) {
      case "f4" ->
          new Case(
              dtype,
              4,
              (b, i) -> b.putFloat(new float[] {-1.5f, 0f, 3e38f}[i]),
              new float[] {-1.5f, 0f, 3e38f});
      case "f8" ->
          new Case(
              dtype,
              8,
              (b, i) -> b.putDouble(new double[] {-0.1, 1e300, 2.5}[i]),
              new float[] {(float) -0.1, Float.POSITIVE_INFINITY, 2.5f});
      case "i1" ->
          new Case(
              dtype, 1, (b, i) -> b.put(new byte[] {-128, 0, 127}[i]), new float[] {-128, 0, 127});
      case "u1" ->
          new Case(
              dtype, 1, (b, i) -> b.put(new byte[] {(byte) 255, 0, 7}[i]), new float[] {255, 0, 7});
      case "b1" ->
          new Case(dtype, 1, (b, i) -> b.put(new byte[] {1, 0, 1}[i]), new float[] {1, 0, 1});
      case "i2" ->
          new Case(
              dtype,
              2,
              (b, i) -> b.putShort(new short[] {-32768, 5, 32767}[i]),
              new float[] {-32768, 5, 32767});
      case "u2" ->
          new Case(
              dtype,
              2,
              (b, i) -> b.putShort(new short[] {(short) 65535, 0, 9}[i]),
              new float[] {65535, 0, 9});
      case "i4" ->
          new Case(
              dtype,
              4,
              (b, i) -> b.putInt(new int[] {Integer.MIN_VALUE, -3, 16777217}[i]),
              new float[] {Integer.MIN_VALUE, -3, 16777217f});
      case "u4" ->
          new Case(
              dtype,
              4,
              (b, i) -> b.putInt(new int[] {-1, 0, 12}[i]),
              new float[] {4294967295f, 0, 12});
      case "i8" ->
          new Case(
              dtype,
              8,
              (b, i) -> b.putLong(new long[] {Long.MIN_VALUE, -7, 1L << 40}[i]),
              new float[] {Long.MIN_VALUE, -7, 1L << 40});
      case "u8" ->
          new Case(
              dtype,
              8,
              (b, i) -> b.putLong(new long[] {-1L, 0, 3}[i]),
              new float[] {1.8446744e19f, 0, 3});
      default -> throw new IllegalArgumentException(dtype);
    };
  }

  private static byte[] npy(Case c, ByteOrder order, int elements) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String dict =
        "{'descr': '" + c.dtype() + "', 'fortran_order': False, 'shape': (" + elements + ",), }";
    String header = dict + " ".repeat((64 - (10 + dict.length() + 1) % 64) % 64) + "\n";
    out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
    out.write(header.length() & 0xff);
    out.write(header.length() >>> 8);
    out.write(header.getBytes(StandardCharsets.ISO_8859_1));
    ByteBuffer data = ByteBuffer.allocate(elements * c.size()).order(order);
    for (int i = 0; i < elements; i++) {
      c.put().accept(data, i % 3);
    }
    out.write(data.array());
    return out.toByteArray();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "<f4", "<f8", ">f8", "|i1", "|u1", "|b1", "<i2", "<u2", "<i4", ">i4", "<u4", "<i8", "<u8"
      })
  void everyNumericDtypeBecomesTheFloatNumpyWouldMake(String dtype) throws IOException {
    Case c = of(dtype);
    ByteOrder order = dtype.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    // More elements than one conversion chunk (2^16), so chunk edges are crossed.
    int elements = 3 * 40_000;
    InputStream in = new ByteArrayInputStream(npy(c, order, elements));
    Npy.Header header = Npy.readHeader(in);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (!header.numeric()) {
      assertThrows(IOException.class, () -> Npy.convert(in, header, out), dtype);
      return;
    }
    Npy.convert(in, header, out);

    InputStream converted = new ByteArrayInputStream(out.toByteArray());
    Npy.Header floats = Npy.readHeader(converted);
    assertEquals(List.of(elements), floats.shape());
    assertTrue(floats.isFloat32());
    ByteBuffer data = ByteBuffer.wrap(converted.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
    float[] got = new float[elements];
    data.asFloatBuffer().get(got);
    float[] expected = new float[elements];
    for (int i = 0; i < elements; i++) {
      expected[i] = c.expected()[i % 3];
    }
    assertArrayEquals(expected, got, dtype);
  }

  @org.junit.jupiter.api.Test
  void readsFloatsByPositionThroughAChunkSmallerThanTheRead(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws IOException {
    int n = 150_000;
    float[] values = new float[n];
    java.util.Random random = new java.util.Random(7);
    for (int i = 0; i < n; i++) {
      values[i] = random.nextFloat() * 2 - 1;
    }
    java.nio.file.Path file = dir.resolve("a.npy");
    Npy.write(file, List.of(n), values);
    try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file)) {
      long start = Npy.layout(file, channel).dataStart();
      ByteBuffer chunk = Npy.chunk(n);
      assertTrue(chunk.capacity() / Float.BYTES < n - 1000, "the read takes several chunks");
      float[] out = new float[n];
      // From element 1,000 into the array from index 5: the bytes, order and offsets all count.
      Npy.readFloats(channel, start + 1000L * Float.BYTES, out, 5, n - 1000, chunk);
      assertArrayEquals(
          java.util.Arrays.copyOfRange(values, 1000, n),
          java.util.Arrays.copyOfRange(out, 5, 5 + n - 1000));
      assertEquals(0f, out[4]);
      java.io.EOFException end =
          assertThrows(
              java.io.EOFException.class,
              () -> Npy.readFloats(channel, start + 1000L * Float.BYTES, out, 0, n, chunk));
      assertTrue(end.getMessage().contains("before"), end.getMessage());
    }
  }
}
