package org.deepbase.sql;

import org.apache.calcite.DataContext;
import org.apache.calcite.schema.SchemaPlus;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.catalog.Workspace;
import org.deepbase.engine.schema.DeepBaseSchema;

/** Finds the workspace of the connection a table function runs in. */
final class WorkspaceOf {
  private WorkspaceOf() {
  }

  /** Returns the workspace behind the root schema's {@code deepbase} schema. */
  static Workspace context(DataContext root, String function) {
    SchemaPlus rootSchema = root.getRootSchema();
    SchemaPlus schema = rootSchema == null ? null : rootSchema.getSubSchema(DeepBaseSchema.NAME);
    DeepBaseSchema deepbase = schema == null ? null : schema.unwrap(DeepBaseSchema.class);
    if (deepbase == null) {
      throw new DeepBaseException(ErrorCode.BAD_WORKSPACE, function + " runs on a jdbc:deepbase: connection");
    }
    return deepbase.workspace();
  }
}
