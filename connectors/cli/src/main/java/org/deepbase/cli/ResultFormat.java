package org.deepbase.cli;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.csv.CsvGenerator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.server.arrow.ArrowResults;

/**
 * How {@code deepbase sql} writes a result. Every format but {@code table} is written by a library
 * and streamed row by row (or batch by batch): a large result is never held in memory.
 *
 * <ul>
 *   <li>{@code csv}: RFC 4180 (Jackson's CSV module, CRLF lines, a header row). Strings are always
 *       quoted and a null is an empty unquoted field, so {@code 'null'} and {@code ''} stay
 *       strings; numbers at full precision; arrays as JSON text; bytes as base64.
 *   <li>{@code json}: one JSON array of objects (Jackson): typed numbers, escaped strings, arrays
 *       as arrays, bytes as base64, NaN as the string "NaN".
 *   <li>{@code arrow}: an Arrow IPC stream (the same schema as the Flight SQL endpoint sends).
 *   <li>{@code table}: aligned text for people, doubles shown with 4 decimals.
 * </ul>
 */
enum ResultFormat {
  table,
  csv,
  json,
  arrow;

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Writes a whole result set; returns the number of rows. */
  long write(ResultSet rs, OutputStream out) throws SQLException, IOException {
    return switch (this) {
      case table ->
          TablePrinter.print(
                  rs,
                  new PrintStream(out, true, StandardCharsets.UTF_8),
                  "table",
                  Integer.MAX_VALUE)
              .size();
      case csv -> csv(rs, out);
      case json -> json(rs, out);
      case arrow -> arrow(rs, out);
    };
  }

  private static long csv(ResultSet rs, OutputStream out) throws SQLException, IOException {
    ResultSetMetaData meta = rs.getMetaData();
    CsvSchema.Builder columns = CsvSchema.builder();
    for (int i = 1; i <= meta.getColumnCount(); i++) {
      columns.addColumn(meta.getColumnLabel(i));
    }
    CsvMapper mapper = new CsvMapper();
    mapper.enable(CsvGenerator.Feature.ALWAYS_QUOTE_STRINGS);
    mapper.enable(CsvGenerator.Feature.ALWAYS_QUOTE_EMPTY_STRINGS);
    mapper.getFactory().disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    long rows = 0;
    try (var writer =
        mapper
            .writer(columns.setUseHeader(true).setLineSeparator("\r\n").setNullValue("").build())
            // Jackson flushes after every value by default: a write call per row, 23,040 of them
            // for one ResNet-18 inspection. The generator's buffer is flushed once, at the end.
            .without(SerializationFeature.FLUSH_AFTER_WRITE_VALUE)
            .writeValues(out)) {
      List<@Nullable Object> row = new ArrayList<>();
      while (rs.next()) {
        row.clear();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
          Object value = Cells.get(rs, meta, i);
          row.add(
              value instanceof byte[] bytes
                  ? Base64.getEncoder().encodeToString(bytes)
                  : value instanceof List<?> list ? JSON.writeValueAsString(list) : value);
        }
        writer.write(row);
        rows++;
      }
    }
    out.flush();
    return rows;
  }

  private static long json(ResultSet rs, OutputStream out) throws SQLException, IOException {
    ResultSetMetaData meta = rs.getMetaData();
    long rows = 0;
    try (JsonGenerator json =
        JSON.getFactory()
            .createGenerator(out, JsonEncoding.UTF8)
            .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
            .useDefaultPrettyPrinter()) {
      json.setCodec(JSON);
      json.writeStartArray();
      while (rs.next()) {
        json.writeStartObject();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
          json.writeFieldName(meta.getColumnLabel(i));
          json.writeObject(Cells.get(rs, meta, i)); // byte[] as base64, lists as arrays
        }
        json.writeEndObject();
        rows++;
      }
      json.writeEndArray();
      json.writeRaw('\n');
    }
    out.flush();
    return rows;
  }

  private static long arrow(ResultSet rs, OutputStream out) throws SQLException, IOException {
    try (BufferAllocator allocator = new RootAllocator()) {
      long rows = ArrowResults.stream(rs, allocator, new IpcStream(out));
      out.flush();
      return rows;
    }
  }

  /** Writes the batches as an Arrow IPC stream. */
  private static final class IpcStream implements ArrowResults.BatchSink {
    private final OutputStream out;
    private @Nullable ArrowStreamWriter writer;

    IpcStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void start(VectorSchemaRoot root) throws IOException {
      writer = new ArrowStreamWriter(root, null, java.nio.channels.Channels.newChannel(out));
      writer.start();
    }

    @Override
    public boolean next(VectorSchemaRoot root) throws IOException {
      java.util.Objects.requireNonNull(writer).writeBatch();
      return true;
    }

    @Override
    public void end() throws IOException {
      // end(), not close(): closing the writer would close the caller's stream (standard output).
      java.util.Objects.requireNonNull(writer).end();
    }
  }
}
