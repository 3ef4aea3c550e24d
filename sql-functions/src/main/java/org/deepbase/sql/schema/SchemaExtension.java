package org.deepbase.sql.schema;

import java.util.Map;
import org.apache.calcite.schema.Table;

/**
 * Adds a workspace's persisted objects to the {@code deepbase} schema: stored result tables and
 * saved views. Read at every lookup, so objects another connection created are visible at once.
 */
public interface SchemaExtension {
  /** Returns the stored tables, by name. */
  Map<String, Table> tables();

  /** Returns the saved views as table macros, by name. */
  Map<String, org.apache.calcite.schema.TableMacro> views();
}
