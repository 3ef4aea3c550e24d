package org.deepbase.sql;

import org.apache.calcite.schema.SchemaPlus;

/**
 * Adds SQL functions to the {@code deepbase} schema of every new connection (e.g. the report
 * module's {@code plot()}). Service provider interface, found with {@link java.util.ServiceLoader}
 * in {@code META-INF/services/org.deepbase.sql.FunctionProvider}, so the driver ships no charts.
 */
public interface FunctionProvider {
  /** Adds this provider's functions to the schema. */
  void register(SchemaPlus schema);
}
