package org.deepbase.server.flight;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.arrow.flight.FlightProducer.ServerStreamListener;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Sends a small metadata answer (catalogs, schemas, tables, table types) in the fixed Flight SQL
 * schema: every column of those schemas is a string, or bytes (a table's serialized schema).
 */
final class MetadataRows {
  private MetadataRows() {}

  /** Sends the rows (one value per column of {@code schema}) as one batch and completes. */
  static void send(
      Schema schema,
      List<@Nullable Object[]> rows,
      BufferAllocator allocator,
      ServerStreamListener listener) {
    try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator)) {
      root.allocateNew();
      for (int r = 0; r < rows.size(); r++) {
        Object[] row = rows.get(r);
        for (int c = 0; c < schema.getFields().size(); c++) {
          set(root.getVector(c), r, row[c]);
        }
      }
      root.setRowCount(rows.size());
      listener.start(root);
      listener.putNext();
      listener.completed();
    }
  }

  private static void set(FieldVector vector, int row, @Nullable Object value) {
    if (value == null) {
      vector.setNull(row);
    } else if (vector instanceof VarCharVector strings) {
      strings.setSafe(row, value.toString().getBytes(StandardCharsets.UTF_8));
    } else if (vector instanceof VarBinaryVector bytes) {
      bytes.setSafe(row, (byte[]) value);
    } else {
      throw new IllegalArgumentException("metadata column of type " + vector.getMinorType());
    }
  }
}
