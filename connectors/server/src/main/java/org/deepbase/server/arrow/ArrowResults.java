package org.deepbase.server.arrow;

import java.io.IOException;
import java.sql.JDBCType;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.arrow.adapter.jdbc.ArrowVectorIterator;
import org.apache.arrow.adapter.jdbc.JdbcFieldInfo;
import org.apache.arrow.adapter.jdbc.JdbcToArrow;
import org.apache.arrow.adapter.jdbc.JdbcToArrowConfig;
import org.apache.arrow.adapter.jdbc.JdbcToArrowConfigBuilder;
import org.apache.arrow.adapter.jdbc.JdbcToArrowUtils;
import org.apache.arrow.adapter.jdbc.consumer.BaseConsumer;
import org.apache.arrow.adapter.jdbc.consumer.JdbcConsumer;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.impl.UnionListWriter;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Turns JDBC results into Arrow record batches with Apache Arrow's JDBC adapter: the one mapping of
 * SQL types to Arrow types that the Flight SQL endpoint and the command line's {@code --format
 * arrow} share, so both give a client the same schema.
 *
 * <p>Batches are read from the result set as they are sent ({@link ArrowVectorIterator}): a large
 * result is never held whole in memory. Times carry no zone (DeepBase has none); arrays become
 * Arrow lists of their element type, read from the column's SQL type name ({@code INTEGER ARRAY}).
 */
public final class ArrowResults {
  /** Rows per record batch: large enough to amortise the per-batch cost, small enough to stream. */
  public static final int BATCH_ROWS = 8192;

  private ArrowResults() {}

  /** Returns the Arrow schema of a result's columns. */
  public static Schema schema(ResultSetMetaData meta, BufferAllocator allocator)
      throws SQLException {
    return JdbcToArrowUtils.jdbcToArrowSchema(meta, config(meta, allocator));
  }

  /** Receives a result's batches, each moved in turn into the one root the stream started with. */
  public interface BatchSink {
    /** Called once, before any batch (also for an empty result), with the stream's root. */
    void start(VectorSchemaRoot root) throws IOException;

    /** Takes the batch now in the root; returns false to stop the stream. */
    boolean next(VectorSchemaRoot root) throws IOException;

    /** Called after the last batch, while the root is still open (not when next stopped it). */
    void end() throws IOException;
  }

  /**
   * Streams a result set into a sink: one root for the whole stream, each batch read from the
   * result set as the sink asks for it and moved into the root (buffers transferred, not copied).
   * Returns the rows handed to the sink.
   */
  public static long stream(ResultSet rs, BufferAllocator allocator, BatchSink sink)
      throws SQLException, IOException {
    try (ArrowVectorIterator batches = batches(rs, allocator);
        VectorSchemaRoot root =
            VectorSchemaRoot.create(schema(rs.getMetaData(), allocator), allocator)) {
      sink.start(root);
      VectorLoader loader = new VectorLoader(root);
      long rows = 0;
      while (batches.hasNext()) {
        try (VectorSchemaRoot batch = batches.next();
            ArrowRecordBatch records = new VectorUnloader(batch).getRecordBatch()) {
          loader.load(records);
        }
        rows += root.getRowCount();
        if (!sink.next(root)) {
          return rows;
        }
      }
      sink.end();
      return rows;
    }
  }

  /** Returns the record batches of a result set, read as they are asked for. */
  private static ArrowVectorIterator batches(ResultSet rs, BufferAllocator allocator)
      throws SQLException {
    try {
      return JdbcToArrow.sqlToArrowVectorIterator(rs, config(rs.getMetaData(), allocator));
    } catch (IOException e) {
      throw new SQLException("cannot read the result as Arrow: " + e.getMessage(), "HY000", e);
    }
  }

  private static JdbcToArrowConfig config(ResultSetMetaData meta, BufferAllocator allocator)
      throws SQLException {
    Map<Integer, JdbcFieldInfo> arrays = new HashMap<>();
    for (int i = 1; i <= meta.getColumnCount(); i++) {
      if (meta.getColumnType(i) == Types.ARRAY) {
        arrays.put(i, new JdbcFieldInfo(elementType(meta.getColumnTypeName(i))));
      }
    }
    return new JdbcToArrowConfigBuilder(allocator, null)
        .setTargetBatchSize(BATCH_ROWS)
        .setArraySubTypeByColumnIndexMap(arrays)
        .setJdbcConsumerGetter(ArrowResults::consumer)
        .build();
  }

  /**
   * The adapter's consumers, except for bytes: it reads them with {@code getBinaryStream}, which
   * Calcite's result sets do not offer; {@code getBytes} is what they do.
   */
  @SuppressWarnings({"rawtypes", "unchecked"})
  private static JdbcConsumer consumer(
      ArrowType type, int column, boolean nullable, FieldVector vector, JdbcToArrowConfig config) {
    if (type instanceof ArrowType.Binary && vector instanceof VarBinaryVector bytes) {
      return new BytesConsumer(bytes, column);
    }
    if (vector instanceof ListVector list) {
      return new ListConsumer(list, column);
    }
    return JdbcToArrowUtils.getConsumer(type, column, nullable, vector, config);
  }

  /**
   * Arrays through {@code Array.getArray()}: the adapter reads them through {@code
   * Array.getResultSet()}'s second column, which Calcite's arrays do not have.
   */
  private static final class ListConsumer extends BaseConsumer<ListVector> {
    ListConsumer(ListVector vector, int column) {
      super(vector, column);
    }

    @Override
    public void consume(ResultSet rs) throws SQLException {
      java.sql.Array array = rs.getArray(columnIndexInResultSet);
      if (array != null) {
        UnionListWriter writer = vector.getWriter();
        writer.setPosition(currentIndex);
        writer.startList();
        Object elements = array.getArray(); // Object[], or int[], double[], ... for primitives
        for (int i = 0; i < java.lang.reflect.Array.getLength(elements); i++) {
          write(writer, java.lang.reflect.Array.get(elements, i));
        }
        writer.endList();
      }
      currentIndex++;
    }

    private static void write(UnionListWriter writer, @Nullable Object element)
        throws SQLException {
      if (element == null) {
        writer.writeNull();
      } else if (element instanceof Integer i) {
        writer.writeInt(i);
      } else if (element instanceof Long l) {
        writer.writeBigInt(l);
      } else if (element instanceof Double d) {
        writer.writeFloat8(d);
      } else if (element instanceof Float f) {
        writer.writeFloat4(f);
      } else if (element instanceof String text) {
        writer.writeVarChar(text);
      } else {
        throw new SQLException(
            "no Arrow list for array elements of " + element.getClass().getSimpleName(), "0A000");
      }
    }
  }

  private static final class BytesConsumer extends BaseConsumer<VarBinaryVector> {
    BytesConsumer(VarBinaryVector vector, int column) {
      super(vector, column);
    }

    @Override
    public void consume(ResultSet rs) throws SQLException {
      byte[] value = rs.getBytes(columnIndexInResultSet);
      if (value != null) {
        vector.setSafe(currentIndex, value);
      }
      currentIndex++;
    }
  }

  /** Returns the JDBC type of an array's elements from its SQL type name, e.g. INTEGER ARRAY. */
  static int elementType(String typeName) throws SQLException {
    String element =
        typeName.toUpperCase(Locale.ROOT).replaceFirst("\\s+ARRAY$", "").replaceFirst("\\(.*", "");
    try {
      return JDBCType.valueOf(element.trim().replace(' ', '_')).getVendorTypeNumber();
    } catch (IllegalArgumentException e) {
      throw new SQLException(
          "no Arrow type for arrays of " + element + " (column type " + typeName + ")", "0A000", e);
    }
  }
}
