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
 * Reads and writes NumPy {@code .npy} files. DeepBase computes on little-endian float32 in C order,
 * which it maps (a dataset never has to fit in the heap); arrays of other numeric dtypes are
 * converted to that form by streaming ({@link #convert}).
 */
public final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

  private Npy() {}

  /**
   * numpy writes headers of a few hundred bytes; a larger claim is a damaged file, not a header to
   * allocate.
   */
  private static final int MAX_HEADER = 1 << 20;

  /** Floats per read of {@link #readFloats}: 256 KB, in the cache, a few reads per image. */
  private static final int CHUNK_FLOATS = 64 * 1024;

  /** A mapped float32 array: its shape and its data, positioned at the first element. */
  public record FloatArray(List<Integer> shape, ByteBuffer data) {}

  /**
   * A float32 .npy file's layout, for files of any size (a mapping holds at most 2 GB).
   *
   * @param dataStart the byte offset of the first element
   */
  public record Layout(List<Integer> shape, long dataStart) {}

  /** Maps a float32 .npy file read-only (at most 2 GB of data; see {@link #layout}). */
  public static FloatArray map(Path file) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      Layout layout = layout(file, channel);
      if (channel.size() - layout.dataStart() > Integer.MAX_VALUE) {
        throw new IOException(
            file + " holds over 2 GB of data: read it by position (Npy.layout), not mapped");
      }
      ByteBuffer data =
          channel
              .map(
                  FileChannel.MapMode.READ_ONLY,
                  layout.dataStart(),
                  channel.size() - layout.dataStart())
              .order(ByteOrder.LITTLE_ENDIAN);
      return new FloatArray(layout.shape(), data);
    }
  }

  /**
   * Reads {@code target}'s remaining bytes from {@code position}: a file read by position instead
   * of mapped, so that the pages it read do not count in the process' resident memory (a mapping
   * touched whole does, and grows with the dataset).
   */
  public static void readFully(FileChannel channel, ByteBuffer target, long position)
      throws IOException {
    long at = position;
    while (target.hasRemaining()) {
      int n = channel.read(target, at);
      if (n < 0) {
        throw new java.io.EOFException(
            "ends at byte " + at + " before " + target.remaining() + " more");
      }
      at += n;
    }
  }

  /**
   * Reads {@code count} little-endian floats from {@code position} into {@code out} from {@code
   * offset}, through {@code chunk} (a little-endian heap buffer the caller reuses): the floats land
   * in the array they are used from, without a buffer the size of the read beside it (for a batch
   * of 224 px images, a 19 MB allocation of fresh memory per batch).
   */
  public static void readFloats(
      FileChannel channel, long position, float[] out, int offset, int count, ByteBuffer chunk)
      throws IOException {
    int capacity = chunk.capacity() / Float.BYTES;
    if (capacity == 0 && count > 0) {
      throw new IllegalArgumentException(
          "a chunk of " + chunk.capacity() + " bytes holds no float");
    }
    for (int done = 0; done < count; ) {
      int n = Math.min(capacity, count - done);
      chunk.clear().limit(n * Float.BYTES);
      readFully(channel, chunk, position + (long) done * Float.BYTES);
      chunk.flip().asFloatBuffer().get(out, offset + done, n);
      done += n;
    }
  }

  /** Returns a chunk for {@link #readFloats} of at most {@code floats} floats (at least one). */
  public static ByteBuffer chunk(int floats) {
    return ByteBuffer.allocate(Math.max(1, Math.min(floats, CHUNK_FLOATS)) * Float.BYTES)
        .order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Reads and checks a float32 .npy file's header through an open channel. */
  public static Layout layout(Path file, FileChannel channel) throws IOException {
    {
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
      long size = channel.size();
      if (headerLength < 0 || headerLength > MAX_HEADER || offset + headerLength > size) {
        throw new IOException(
            file
                + " is damaged: its header claims "
                + Integer.toUnsignedString(headerLength)
                + " bytes of a "
                + size
                + "-byte file");
      }
      ByteBuffer headerBytes = ByteBuffer.allocate(headerLength);
      channel.read(headerBytes, offset);
      String header = new String(headerBytes.array(), StandardCharsets.ISO_8859_1);
      if (!header.contains("'descr': '<f4'") || header.contains("'fortran_order': True")) {
        throw new IOException(
            file + ": only little-endian float32 in C order is supported, header " + header.trim());
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
      long dataStart = (long) offset + headerLength;
      long elements = 1;
      for (int d : shape) {
        elements = d < 0 || elements > (1L << 40) ? -1 : elements * d;
        if (elements < 0) {
          throw new IOException(file + " is damaged: shape " + shape);
        }
      }
      if (elements * Float.BYTES > size - dataStart) {
        throw new IOException(
            file
                + " is damaged or truncated: shape "
                + shape
                + " needs "
                + elements * Float.BYTES
                + " bytes of data, the file holds "
                + (size - dataStart));
      }
      return new Layout(shape, dataStart);
    }
  }

  /**
   * An array's header.
   *
   * @param dtype NumPy type string, e.g. {@code <f4}, {@code |u1}, {@code |b1}
   * @param fortranOrder whether the data is column-major
   * @param shape the array's shape
   */
  public record Header(String dtype, boolean fortranOrder, List<Integer> shape) {
    /** Returns the number of elements. */
    public long elements() {
      long n = 1;
      for (int d : shape) {
        n *= d;
      }
      return n;
    }

    /** Returns the elements per leading index ([N, ...] -> product of the rest). */
    public List<Integer> recordShape() {
      return shape.isEmpty() ? List.of() : shape.subList(1, shape.size());
    }

    /** Returns whether {@link #convert} can read this array. */
    public boolean numeric() {
      return dtype.length() >= 3
          && "fiub".indexOf(dtype.charAt(1)) >= 0
          && !"f2".equals(dtype.substring(1))
          && !fortranOrder
          && (dtype.charAt(0) != '>' || dtype.endsWith("1"));
    }

    /** Returns whether the data is already DeepBase's float32 little-endian C order. */
    public boolean isFloat32() {
      return "<f4".equals(dtype) && !fortranOrder;
    }
  }

  private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([^']*)'");

  /** Reads the header of a .npy stream, leaving the stream at the first element. */
  public static Header readHeader(java.io.InputStream in) throws IOException {
    java.io.DataInputStream data = new java.io.DataInputStream(in);
    byte[] magic = new byte[8];
    data.readFully(magic);
    for (int i = 0; i < MAGIC.length; i++) {
      if (magic[i] != MAGIC[i]) {
        throw new IOException("not a .npy array (bad magic)");
      }
    }
    int headerLength;
    if (magic[6] == 1) {
      headerLength = Byte.toUnsignedInt(data.readByte()) | Byte.toUnsignedInt(data.readByte()) << 8;
    } else {
      byte[] len = new byte[4];
      data.readFully(len);
      headerLength = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }
    if (headerLength < 0 || headerLength > MAX_HEADER) {
      throw new IOException(
          "damaged .npy array: its header claims "
              + Integer.toUnsignedString(headerLength)
              + " bytes");
    }
    byte[] header = new byte[headerLength];
    data.readFully(header);
    return parseHeader(new String(header, StandardCharsets.ISO_8859_1));
  }

  private static Header parseHeader(String header) throws IOException {
    Matcher d = DESCR.matcher(header);
    Matcher m = SHAPE.matcher(header);
    if (!d.find() || !m.find()) {
      throw new IOException("no dtype or shape in .npy header " + header.trim());
    }
    List<Integer> shape = new ArrayList<>();
    for (String part : m.group(1).split(",")) {
      if (!part.isBlank()) {
        shape.add(Integer.parseInt(part.trim()));
      }
    }
    return new Header(d.group(1), header.contains("'fortran_order': True"), shape);
  }

  /**
   * Streams an array's elements (any numeric dtype: float 2/4/8, signed and unsigned int 1/2/4/8,
   * bool) from {@code in} as float32 .npy to {@code out}, in bounded memory.
   */
  public static void convert(java.io.InputStream in, Header header, OutputStream out)
      throws IOException {
    if (!header.numeric()) {
      throw new IOException(
          "cannot read dtype "
              + header.dtype()
              + (header.fortranOrder() ? " in Fortran order" : "")
              + " as numbers");
    }
    char kind = header.dtype().charAt(1);
    int size = Integer.parseInt(header.dtype().substring(2));
    // Chosen once per array: deciding it per element (a string switch) made converting a 600 MB
    // .npz of images and masks on a dataset's first use take 8 s longer than the copying.
    Element element = element(kind, size);
    ByteOrder order =
        header.dtype().charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    writeHeader(out, header.shape());
    int chunk = 1 << 16;
    byte[] raw = new byte[chunk * size];
    ByteBuffer floats = ByteBuffer.allocate(chunk * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    java.io.DataInputStream data = new java.io.DataInputStream(in);
    for (long left = header.elements(); left > 0; ) {
      int n = (int) Math.min(chunk, left);
      data.readFully(raw, 0, n * size);
      ByteBuffer src = ByteBuffer.wrap(raw, 0, n * size).order(order);
      floats.clear();
      for (int i = 0; i < n; i++) {
        floats.putFloat(element.read(src));
      }
      out.write(floats.array(), 0, n * Float.BYTES);
      left -= n;
    }
  }

  /** Reads one element of an array's dtype as a float, advancing the buffer. */
  private interface Element {
    float read(ByteBuffer src);
  }

  private static Element element(char kind, int size) throws IOException {
    return switch (kind + String.valueOf(size)) {
      case "f4" -> ByteBuffer::getFloat;
      case "f8" -> src -> (float) src.getDouble();
      case "i1" -> ByteBuffer::get;
      case "u1", "b1" -> src -> Byte.toUnsignedInt(src.get());
      case "i2" -> ByteBuffer::getShort;
      case "u2" -> src -> Short.toUnsignedInt(src.getShort());
      case "i4" -> ByteBuffer::getInt;
      case "u4" -> src -> Integer.toUnsignedLong(src.getInt());
      case "i8" -> ByteBuffer::getLong;
      case "u8" ->
          src -> {
            long v = src.getLong();
            return v >= 0 ? v : (v >>> 1) * 2f;
          };
      default -> throw new IOException("unsupported dtype " + kind + size);
    };
  }

  /** Returns whether a .npy file already holds float32 little-endian C-order data. */
  public static boolean isFloat32(Path file) throws IOException {
    try (java.io.InputStream in =
        new java.io.BufferedInputStream(java.nio.file.Files.newInputStream(file))) {
      return readHeader(in).isFloat32();
    }
  }

  /** Writes the header of a float32 array of the given shape; the caller streams the data after. */
  public static void writeHeader(OutputStream out, List<Integer> shape) throws IOException {
    StringBuilder dims = new StringBuilder();
    for (int d : shape) {
      dims.append(d).append(", ");
    }
    String dict =
        "{'descr': '<f4', 'fortran_order': False, 'shape': ("
            + (shape.size() == 1 ? dims.toString().trim() : dims.substring(0, dims.length() - 2))
            + "), }";
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
    ByteBuffer buffer =
        ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asFloatBuffer().put(values);
    out.write(buffer.array());
  }

  /** Writes a whole array to a file. */
  public static void write(Path file, List<Integer> shape, float[] values) throws IOException {
    try (OutputStream out =
        new java.io.BufferedOutputStream(java.nio.file.Files.newOutputStream(file))) {
      writeHeader(out, shape);
      writeFloats(out, values);
    }
  }
}
