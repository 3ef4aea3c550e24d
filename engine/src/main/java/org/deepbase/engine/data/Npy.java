package org.deepbase.engine.data;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes NumPy {@code .npy} files of little-endian float32 in C order.
 *
 * <p>Reading maps the file, so a dataset never has to fit in the heap.
 */
public final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

  private Npy() {
  }

  /** A mapped float32 array: its shape and its data, positioned at the first element. */
  public record FloatArray(List<Integer> shape, ByteBuffer data) {
  }

  /** Maps a float32 .npy file read-only. */
  public static FloatArray map(Path file) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer head = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
      channel.read(head, 0);
      head.flip();
      for (byte b : MAGIC) {
        if (head.get() != b) {
          throw new IOException(file + " is not a .npy file");
        }
      }
      int major = head.get();
      head.get();
      int headerLength;
      int offset;
      if (major == 1) {
        headerLength = Short.toUnsignedInt(head.getShort());
        offset = 10;
      } else {
        ByteBuffer len = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        channel.read(len, 8);
        headerLength = len.flip().getInt();
        offset = 12;
      }
      ByteBuffer headerBytes = ByteBuffer.allocate(headerLength);
      channel.read(headerBytes, offset);
      String header = new String(headerBytes.array(), StandardCharsets.ISO_8859_1);
      if (!header.contains("'descr': '<f4'") || header.contains("'fortran_order': True")) {
        throw new IOException(file + ": only little-endian float32 in C order is supported, header "
            + header.trim());
      }
      Matcher m = SHAPE.matcher(header);
      if (!m.find()) {
        throw new IOException(file + ": no shape in header " + header.trim());
      }
      List<Integer> shape = new ArrayList<>();
      for (String part : m.group(1).split(",")) {
        if (!part.isBlank()) {
          shape.add(Integer.parseInt(part.trim()));
        }
      }
      long dataStart = offset + headerLength;
      ByteBuffer data = channel.map(FileChannel.MapMode.READ_ONLY, dataStart, channel.size() - dataStart)
          .order(ByteOrder.LITTLE_ENDIAN);
      return new FloatArray(shape, data);
    }
  }

  /** Writes the header of a float32 array of the given shape; the caller streams the data after. */
  public static void writeHeader(OutputStream out, List<Integer> shape) throws IOException {
    StringBuilder dims = new StringBuilder();
    for (int d : shape) {
      dims.append(d).append(", ");
    }
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': ("
        + (shape.size() == 1 ? dims.toString().trim() : dims.substring(0, dims.length() - 2)) + "), }";
    int total = MAGIC.length + 4 + dict.length() + 1;
    int padding = (64 - total % 64) % 64;
    String header = dict + " ".repeat(padding) + "\n";
    out.write(MAGIC);
    out.write(1);
    out.write(0);
    out.write(header.length() & 0xff);
    out.write(header.length() >>> 8);
    out.write(header.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Writes floats little-endian. */
  public static void writeFloats(OutputStream out, float[] values) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asFloatBuffer().put(values);
    out.write(buffer.array());
  }

  /** Writes a whole array to a file. */
  public static void write(Path file, List<Integer> shape, float[] values) throws IOException {
    try (OutputStream out = new java.io.BufferedOutputStream(java.nio.file.Files.newOutputStream(file))) {
      writeHeader(out, shape);
      writeFloats(out, values);
    }
  }
}
