package org.deepbase.engine.data;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.FloatingPointVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.deepbase.engine.catalog.DatasetDescriptor;

/**
 * Converts a table of records (Arrow IPC file or stream, or CSV) into inputs (float32 .npy [N, D],
 * or [N, ...] from a fixed-size list column {@code inputs}) and a metadata CSV of the remaining
 * columns, streaming one batch or line at a time.
 */
final class Tables {
  private static final String RECORD_ID = "record_id";

  private Tables() {}

  /** The converted files of one table. */
  record Materialized(Path inputs, Path records) {}

  static Materialized materialize(Path dir, Path table, DatasetDescriptor dataset)
      throws IOException {
    boolean arrow = DatasetFiles.Spec.format(table).equals("arrow");
    Path folder = dir.resolve(DatasetFiles.MATERIALIZED);
    Path records =
        folder.resolve(
            table.getFileName()
                + ".records."
                + Files.size(table)
                + "-"
                + Files.getLastModifiedTime(table).toMillis()
                + ".csv");
    // One scan writes both files; the metadata is in place before the inputs file appears, and
    // the inputs file's atomic rename marks the conversion complete.
    Path inputs =
        DatasetFiles.materialize(
            dir,
            table,
            "inputs",
            ".npy",
            out -> {
              Path metadata = Files.createTempFile(folder, "records", ".tmp");
              Path body = Files.createTempFile(folder, "body", ".tmp");
              try {
                List<Integer> shape;
                try (BufferedWriter csv = Files.newBufferedWriter(metadata);
                    OutputStream data =
                        new java.io.BufferedOutputStream(Files.newOutputStream(body))) {
                  shape = arrow ? arrow(table, dataset, data, csv) : csv(table, dataset, data, csv);
                }
                Npy.writeHeader(out, shape);
                Files.copy(body, out);
                Files.move(metadata, records, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
              } finally {
                Files.deleteIfExists(body);
                Files.deleteIfExists(metadata);
              }
            });
    return new Materialized(inputs, records);
  }

  private static List<Integer> csv(
      Path table, DatasetDescriptor dataset, OutputStream data, BufferedWriter meta)
      throws IOException {
    try (BufferedReader in = Files.newBufferedReader(table)) {
      String headerLine = in.readLine();
      if (headerLine == null) {
        throw new IOException("empty CSV file");
      }
      List<String> header = CsvLine.split(headerLine);
      String first = in.readLine();
      if (first == null) {
        throw new IOException("CSV file has a header and no records");
      }
      List<String> firstFields = CsvLine.split(first);
      List<Integer> inputColumns = new ArrayList<>();
      for (int c = 0; c < header.size(); c++) {
        boolean wanted =
            dataset.inputColumns() != null
                ? dataset.inputColumns().contains(header.get(c))
                : !header.get(c).equals(RECORD_ID)
                    && c < firstFields.size()
                    && isNumber(firstFields.get(c));
        if (wanted) {
          inputColumns.add(c);
        }
      }
      checkColumns(dataset, header, inputColumns);
      int[] metaColumns = metadataColumns(header, inputColumns, meta);
      ByteBuffer row =
          ByteBuffer.allocate(inputColumns.size() * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
      int n = 0;
      for (String line = first; line != null; line = in.readLine()) {
        if (line.isEmpty()) {
          continue;
        }
        List<String> fields = CsvLine.split(line);
        row.clear();
        for (int c : inputColumns) {
          try {
            row.putFloat(Float.parseFloat(fields.get(c).trim()));
          } catch (RuntimeException e) {
            throw new IOException(
                "record "
                    + n
                    + ": column '"
                    + header.get(c)
                    + "' is not a number: '"
                    + (c < fields.size() ? fields.get(c) : "")
                    + "'");
          }
        }
        data.write(row.array());
        List<String> metaRow = new ArrayList<>(List.of(String.valueOf(n)));
        for (int c : metaColumns) {
          metaRow.add(c < fields.size() ? fields.get(c) : "");
        }
        DatasetFiles.writeRow(meta, metaRow);
        n++;
      }
      return List.of(n, inputColumns.size());
    }
  }

  private static List<Integer> arrow(
      Path table, DatasetDescriptor dataset, OutputStream data, BufferedWriter meta)
      throws IOException {
    long size = Files.size(table);
    // Every buffer of a batch comes from the file: a limit of twice its size (plus slack for
    // padding and validity buffers) makes a damaged length an error instead of gigabytes reserved.
    try (BufferAllocator allocator =
            Allocators.newChild("dataset " + dataset.name(), 2 * size + (1 << 20));
        FileChannel channel = FileChannel.open(table, StandardOpenOption.READ);
        ArrowReader reader = open(channel, allocator, size)) {
      VectorSchemaRoot root = reader.getVectorSchemaRoot();
      List<String> header = root.getSchema().getFields().stream().map(f -> f.getName()).toList();
      List<Integer> inputColumns = new ArrayList<>();
      int listColumn = header.indexOf(DatasetFiles.NPZ_INPUTS);
      if (listColumn >= 0 && root.getVector(listColumn) instanceof FixedSizeListVector) {
        inputColumns.add(listColumn);
      } else {
        listColumn = -1;
        for (int c = 0; c < header.size(); c++) {
          FieldVector v = root.getVector(c);
          boolean numeric = v instanceof FloatingPointVector || v instanceof BaseIntVector;
          if (dataset.inputColumns() != null
              ? dataset.inputColumns().contains(header.get(c))
              : numeric && !header.get(c).equals(RECORD_ID)) {
            inputColumns.add(c);
          }
        }
        checkColumns(dataset, header, inputColumns);
      }
      int[] metaColumns = metadataColumns(header, inputColumns, meta);
      int n = 0;
      int width = -1;
      while (reader.loadNextBatch()) {
        for (int r = 0; r < root.getRowCount(); r++) {
          float[] values =
              listColumn >= 0
                  ? listRow((FixedSizeListVector) root.getVector(listColumn), r)
                  : columnsRow(root, inputColumns, r);
          if (width < 0) {
            width = values.length;
          }
          ByteBuffer row =
              ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
          row.asFloatBuffer().put(values);
          data.write(row.array());
          List<String> metaRow = new ArrayList<>(List.of(String.valueOf(n)));
          for (int c : metaColumns) {
            Object value = root.getVector(c).getObject(r);
            metaRow.add(value == null ? "" : value.toString());
          }
          DatasetFiles.writeRow(meta, metaRow);
          n++;
        }
      }
      if (listColumn >= 0 && !dataset.inputShape().isEmpty()) {
        List<Integer> shape = new ArrayList<>(List.of(n));
        shape.addAll(dataset.inputShape());
        return shape;
      }
      return List.of(n, Math.max(width, 0));
    }
  }

  /**
   * Returns the columns that are neither inputs nor record_id (the metadata), in table order, and
   * writes the metadata CSV's header (record_id first).
   */
  private static int[] metadataColumns(
      List<String> header, List<Integer> inputColumns, BufferedWriter meta) throws IOException {
    List<String> names = new ArrayList<>(List.of(RECORD_ID));
    List<Integer> columns = new ArrayList<>();
    for (int c = 0; c < header.size(); c++) {
      if (!inputColumns.contains(c) && !header.get(c).equals(RECORD_ID)) {
        names.add(header.get(c));
        columns.add(c);
      }
    }
    DatasetFiles.writeRow(meta, names);
    return columns.stream().mapToInt(Integer::intValue).toArray();
  }

  private static float[] listRow(FixedSizeListVector list, int r) {
    FieldVector inner = (FieldVector) list.getDataVector();
    int size = list.getListSize();
    float[] values = new float[size];
    for (int i = 0; i < size; i++) {
      values[i] = number(inner, r * size + i);
    }
    return values;
  }

  private static float[] columnsRow(VectorSchemaRoot root, List<Integer> columns, int r) {
    float[] values = new float[columns.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = number(root.getVector(columns.get(i)), r);
    }
    return values;
  }

  private static float number(FieldVector v, int i) {
    if (v.isNull(i)) {
      return Float.NaN;
    }
    if (v instanceof FloatingPointVector f) {
      return (float) f.getValueAsDouble(i);
    }
    if (v instanceof BaseIntVector b) {
      return b.getValueAsLong(i);
    }
    throw new IllegalArgumentException("column " + v.getName() + " is not numeric");
  }

  private static ArrowReader open(FileChannel channel, BufferAllocator allocator, long size)
      throws IOException {
    if (isArrowFile(channel)) {
      ArrowFileReader reader = new ArrowFileReader(channel, allocator);
      try {
        ArrowBounds.checkFile(reader, size);
      } catch (IOException | RuntimeException e) {
        reader.close();
        throw e;
      }
      return reader;
    }
    ArrowBounds.checkStream(channel);
    return new ArrowStreamReader(channel, allocator);
  }

  private static boolean isArrowFile(FileChannel channel) throws IOException {
    ByteBuffer magic = ByteBuffer.allocate(6);
    channel.read(magic, 0);
    return new String(magic.array(), java.nio.charset.StandardCharsets.US_ASCII).equals("ARROW1");
  }

  private static void checkColumns(
      DatasetDescriptor dataset, List<String> header, List<Integer> found) throws IOException {
    if (dataset.inputColumns() != null && found.size() != dataset.inputColumns().size()) {
      List<String> missing = new ArrayList<>(dataset.inputColumns());
      missing.removeAll(header);
      throw new IOException(
          "input_columns " + missing + " are not columns of the table; its columns: " + header);
    }
    if (found.isEmpty()) {
      throw new IOException("no numeric column to use as inputs; its columns: " + header);
    }
  }

  private static boolean isNumber(String s) {
    try {
      Float.parseFloat(s.trim());
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
