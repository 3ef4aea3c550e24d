package org.deepbase.store;

import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.calcite.jdbc.CalciteConnection;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.schema.AggregateFunction;
import org.apache.calcite.schema.Function;
import org.apache.calcite.schema.FunctionParameter;
import org.apache.calcite.schema.ScalarFunction;
import org.apache.calcite.schema.SchemaPlus;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.h2.tools.SimpleResultSet;

/**
 * Metadata results DeepBase answers itself (see {@link DdlConnection}), as H2's in-memory result
 * sets: complete ResultSets (JDK row sets refuse calls sqlline makes, "Operation not yet
 * supported").
 */
final class Metadata {
  private Metadata() {}

  /** The table types DeepBase's tables have: built-in tables, stored tables, views. */
  static ResultSet tableTypes() {
    SimpleResultSet types = new SimpleResultSet();
    types.addColumn("TABLE_TYPE", Types.VARCHAR, 32, 0);
    for (String type : List.of("SYSTEM TABLE", "TABLE", "VIEW")) {
      types.addRow(type);
    }
    return types;
  }

  /**
   * Copies the rows whose columns match JDBC LIKE patterns (null matches anything), ignoring case
   * as DeepBase's SQL does.
   */
  static ResultSet matching(ResultSet rows, Map<String, @Nullable String> patterns)
      throws SQLException {
    try (rows) {
      java.sql.ResultSetMetaData meta = rows.getMetaData();
      int n = meta.getColumnCount();
      SimpleResultSet kept = new SimpleResultSet();
      for (int i = 1; i <= n; i++) {
        kept.addColumn(
            meta.getColumnLabel(i), meta.getColumnType(i), meta.getPrecision(i), meta.getScale(i));
      }
      Map<Integer, Pattern> tests = new java.util.HashMap<>();
      for (Map.Entry<String, @Nullable String> pattern : patterns.entrySet()) {
        if (pattern.getValue() != null) {
          tests.put(rows.findColumn(pattern.getKey()), like(pattern.getValue()));
        }
      }
      while (rows.next()) {
        boolean matches = true;
        for (Map.Entry<Integer, Pattern> test : tests.entrySet()) {
          String value = rows.getString(test.getKey());
          matches &= value != null && test.getValue().matcher(value).matches();
        }
        if (matches) {
          Object[] row = new Object[n];
          for (int i = 0; i < n; i++) {
            row[i] = rows.getObject(i + 1);
          }
          kept.addRow(row);
        }
      }
      return kept;
    }
  }

  /** Translates a JDBC LIKE pattern ('%', '_', escape '\\') into a case-insensitive regex. */
  static Pattern like(String like) {
    StringBuilder regex = new StringBuilder();
    for (int i = 0; i < like.length(); i++) {
      char c = like.charAt(i);
      if (c == '\\' && i + 1 < like.length()) {
        regex.append(Pattern.quote(String.valueOf(like.charAt(++i))));
      } else if (c == '%') {
        regex.append(".*");
      } else if (c == '_') {
        regex.append('.');
      } else {
        regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(regex.toString(), Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
  }

  /**
   * Lists the parameters of DeepBase's functions (and the result of scalar and aggregate ones), as
   * {@link DatabaseMetaData#getFunctionColumns} defines; overloads are told apart by SPECIFIC_NAME
   * ({@code name_1}, {@code name_2}, ...).
   */
  static ResultSet functionColumns(
      CalciteConnection calcite,
      @Nullable String schemaPattern,
      @Nullable String functionPattern,
      @Nullable String columnPattern) {
    SimpleResultSet columns = new SimpleResultSet();
    columns.addColumn("FUNCTION_CAT", Types.VARCHAR, 128, 0);
    columns.addColumn("FUNCTION_SCHEM", Types.VARCHAR, 128, 0);
    columns.addColumn("FUNCTION_NAME", Types.VARCHAR, 128, 0);
    columns.addColumn("COLUMN_NAME", Types.VARCHAR, 128, 0);
    columns.addColumn("COLUMN_TYPE", Types.SMALLINT, 5, 0);
    columns.addColumn("DATA_TYPE", Types.INTEGER, 10, 0);
    columns.addColumn("TYPE_NAME", Types.VARCHAR, 128, 0);
    columns.addColumn("PRECISION", Types.INTEGER, 10, 0);
    columns.addColumn("LENGTH", Types.INTEGER, 10, 0);
    columns.addColumn("SCALE", Types.SMALLINT, 5, 0);
    columns.addColumn("RADIX", Types.SMALLINT, 5, 0);
    columns.addColumn("NULLABLE", Types.SMALLINT, 5, 0);
    columns.addColumn("REMARKS", Types.VARCHAR, 256, 0);
    columns.addColumn("CHAR_OCTET_LENGTH", Types.INTEGER, 10, 0);
    columns.addColumn("ORDINAL_POSITION", Types.INTEGER, 10, 0);
    columns.addColumn("IS_NULLABLE", Types.VARCHAR, 3, 0);
    columns.addColumn("SPECIFIC_NAME", Types.VARCHAR, 128, 0);
    RelDataTypeFactory types = calcite.getTypeFactory();
    SchemaPlus root = calcite.getRootSchema();
    Pattern schemas = like(schemaPattern == null ? "%" : schemaPattern);
    Pattern functions = like(functionPattern == null ? "%" : functionPattern);
    Pattern parameters = like(columnPattern == null ? "%" : columnPattern);
    for (String schemaName : new java.util.TreeSet<>(root.getSubSchemaNames())) {
      SchemaPlus schema = root.getSubSchema(schemaName);
      if (schema == null || !schemas.matcher(schemaName).matches()) {
        continue;
      }
      for (String name : new java.util.TreeSet<>(schema.getFunctionNames())) {
        if (!functions.matcher(name).matches()) {
          continue;
        }
        int overload = 0;
        for (Function function : schema.getFunctions(name)) {
          String specific = name + "_" + ++overload;
          RelDataType result =
              function instanceof ScalarFunction scalar
                  ? scalar.getReturnType(types)
                  : function instanceof AggregateFunction aggregate
                      ? aggregate.getReturnType(types)
                      : null;
          if (result != null && parameters.matcher("").matches()) {
            columns.addRow(
                row(
                    schemaName,
                    name,
                    "",
                    DatabaseMetaData.functionReturn,
                    result,
                    0,
                    specific,
                    result.isNullable(),
                    "result"));
          }
          List<String> required = org.deepbase.sql.DeepBaseFunctions.requiredParameters(name);
          for (FunctionParameter parameter : function.getParameters()) {
            boolean optional = parameter.isOptional() && !required.contains(parameter.getName());
            if (parameters.matcher(parameter.getName()).matches()) {
              columns.addRow(
                  row(
                      schemaName,
                      name,
                      parameter.getName(),
                      DatabaseMetaData.functionColumnIn,
                      parameter.getType(types),
                      parameter.getOrdinal() + 1,
                      specific,
                      optional,
                      optional ? "optional" : "required"));
            }
          }
        }
      }
    }
    return columns;
  }

  private static Object[] row(
      String schema,
      String function,
      String column,
      int kind,
      RelDataType type,
      int ordinal,
      String specific,
      boolean nullable,
      String remarks) {
    return new Object[] {
      null,
      schema,
      function,
      column,
      (short) kind,
      type.getSqlTypeName().getJdbcOrdinal(),
      type.getSqlTypeName().getName(),
      type.getPrecision(),
      null,
      (short) Math.max(type.getScale(), 0),
      (short) 10,
      (short) (nullable ? DatabaseMetaData.functionNullable : DatabaseMetaData.functionNoNulls),
      remarks,
      null,
      ordinal,
      nullable ? "YES" : "NO",
      specific
    };
  }
}
