package org.deepbase.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.exec.DryRun;
import org.deepbase.engine.security.Principal;
import org.deepbase.engine.security.Role;
import org.deepbase.sql.schema.DeepBaseSchema;

/**
 * Executes DeepBase's persistent DDL against the catalog store: {@code CREATE [OR REPLACE] VIEW},
 * {@code DROP VIEW [IF EXISTS]}, {@code CREATE TABLE name AS query}, {@code DROP TABLE [IF
 * EXISTS]}.
 *
 * <p>Calcite's own DDL (calcite-server) keeps objects in the connection only; these statements are
 * recognised before Calcite sees them. Each one validates completely before it changes the catalog:
 * a view's query is run in {@link DryRun} mode (every model, layer, unit, dataset and hypothesis it
 * names must exist), a table's rows are inserted in one transaction.
 */
final class Ddl {
  private static final String NAME =
      "(?:deepbase\\.)?(?<q>\"?)(?<name>[A-Za-z_][A-Za-z0-9_]*)\\k<q>";
  private static final Pattern CREATE_VIEW =
      Pattern.compile(
          "(?is)\\s*CREATE\\s+(OR\\s+REPLACE\\s+)?VIEW\\s+"
              + NAME
              + "\\s+AS\\s+(?<query>.+?)\\s*;?\\s*");
  private static final Pattern DROP_VIEW =
      Pattern.compile("(?is)\\s*DROP\\s+VIEW\\s+(IF\\s+EXISTS\\s+)?" + NAME + "\\s*;?\\s*");
  private static final Pattern CREATE_TABLE =
      Pattern.compile("(?is)\\s*CREATE\\s+TABLE\\s+" + NAME + "\\s+AS\\s+(?<query>.+?)\\s*;?\\s*");
  private static final Pattern DROP_TABLE =
      Pattern.compile("(?is)\\s*DROP\\s+TABLE\\s+(IF\\s+EXISTS\\s+)?" + NAME + "\\s*;?\\s*");

  /**
   * CREATE or DROP of a view or table whose name the patterns above refuse (Calcite's parser would
   * answer with a confusing "Encountered VIEW").
   */
  private static final Pattern ANY_NAME =
      Pattern.compile(
          "(?is)\\s*(?:CREATE\\s+(?:OR\\s+REPLACE\\s+)?|DROP\\s+)(VIEW|TABLE)\\s+(?:IF\\s+EXISTS\\s+)?"
              + "(?<name>\"[^\"]*\"|\\S+?)(?:\\s+AS\\b.*|\\s*;?\\s*)");

  private final CatalogStore store;
  private final Connection calcite;
  private final Principal principal;

  Ddl(CatalogStore store, Connection calcite, Principal principal) {
    this.store = store;
    this.calcite = calcite;
    this.principal = principal;
  }

  /** Returns whether a statement is DeepBase DDL. */
  static boolean matches(@Nullable String sql) {
    return sql != null
        && (CREATE_VIEW.matcher(sql).matches()
            || DROP_VIEW.matcher(sql).matches()
            || CREATE_TABLE.matcher(sql).matches()
            || DROP_TABLE.matcher(sql).matches()
            || ANY_NAME.matcher(sql).matches());
  }

  /** Executes a DDL statement; returns the update count (rows stored by CREATE TABLE, else 0). */
  int execute(String sql) throws SQLException {
    try {
      principal.require(Role.WRITER, "CREATE and DROP of views and tables");
      return dispatch(sql);
    } catch (DeepBaseException e) {
      throw new SQLException(e.getMessage(), e.code().sqlState(), e);
    } catch (SQLException e) {
      throw SqlStates.translate(e); // a CREATE TABLE's query fails as the query would
    } finally {
      store.invalidate();
    }
  }

  private int dispatch(String sql) throws SQLException {
    Matcher m;
    if ((m = CREATE_VIEW.matcher(sql)).matches()) {
      String name = checkName(m.group("name"));
      String query = m.group("query");
      if (store.hasTable(name)) {
        throw new SQLException("a stored table named '" + name + "' already exists", "42S01");
      }
      boolean replace = m.group(1) != null;
      String owner = store.viewOwner(name);
      if (owner != null && replace) {
        principal.requireOwnerOf("view", name, owner);
      }
      validate(query);
      store.saveView(name, query, owner != null && replace ? owner : principal.user(), replace);
      return 0;
    }
    if ((m = DROP_VIEW.matcher(sql)).matches()) {
      String name = m.group("name");
      String owner = store.viewOwner(name);
      if (owner == null) {
        if (m.group(1) == null) {
          throw new SQLException("no view named '" + name + "'", "42S02");
        }
        return 0;
      }
      principal.requireOwnerOf("view", name, owner);
      store.dropView(name);
      return 0;
    }
    if ((m = CREATE_TABLE.matcher(sql)).matches()) {
      String name = checkName(m.group("name"));
      if (store.hasTable(name) || store.viewOwner(name) != null) {
        throw new SQLException("a table or view named '" + name + "' already exists", "42S01");
      }
      return createTable(name, m.group("query"));
    }
    if ((m = DROP_TABLE.matcher(sql)).matches()) {
      String name = m.group("name");
      String owner = store.tableOwner(name);
      if (owner == null) {
        if (m.group(1) == null) {
          throw new SQLException("no stored table named '" + name + "'", "42S02");
        }
        return 0;
      }
      principal.requireOwnerOf("table", name, owner);
      try (Connection c = store.connection()) {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement();
            PreparedStatement forget =
                c.prepareStatement("DELETE FROM DEEPBASE_TABLES WHERE NAME = ?")) {
          s.execute("DROP TABLE " + H2Names.resultTable(name));
          forget.setString(1, name);
          forget.executeUpdate();
          c.commit();
          store.journal(CatalogJournal.Entry.dropTable(name));
        } catch (SQLException | RuntimeException e) {
          c.rollback();
          throw e;
        }
      }
      return 0;
    }
    if ((m = ANY_NAME.matcher(sql)).matches()) {
      if (m.group("name").matches("[A-Za-z_][A-Za-z0-9_]*")) {
        throw new SQLException(
            sql.strip() + ": CREATE " + m.group(1) + " needs AS and a query", "42601");
      }
      throw new SQLException(
          m.group(1).toLowerCase(java.util.Locale.ROOT)
              + " name "
              + m.group("name")
              + " is not a valid name: letters, digits and _, not starting with a digit",
          "42602");
    }
    throw new SQLException("not a DeepBase DDL statement: " + sql);
  }

  private static String checkName(String name) throws SQLException {
    if (DeepBaseSchema.BUILT_IN.contains(name.toLowerCase(java.util.Locale.ROOT))) {
      throw new SQLException("'" + name + "' is a built-in DeepBase table", "42S01");
    }
    return name;
  }

  /** Plans and dry-runs a query: names, types and every referenced DeepBase object are checked. */
  private void validate(String query) throws SQLException {
    try {
      DryRun.run(
          () -> {
            try (Statement s = calcite.createStatement();
                ResultSet rs = s.executeQuery(query)) {
              while (rs.next()) {
                // dry runs return no rows from DeepBase tables; stored tables may return some
              }
            }
            return null;
          });
    } catch (SQLException e) {
      SQLException translated = SqlStates.translate(e);
      throw new SQLException(
          "invalid view query: " + translated.getMessage(), translated.getSQLState(), e);
    } catch (Exception e) {
      throw new SQLException("invalid view query: " + e.getMessage(), e);
    }
  }

  private int createTable(String name, String query) throws SQLException {
    try (Statement source = calcite.createStatement();
        ResultSet rs = source.executeQuery(query);
        Connection h2 = store.connection()) {
      ResultSetMetaData meta = rs.getMetaData();
      int n = meta.getColumnCount();
      StringBuilder columns = new StringBuilder();
      StringBuilder marks = new StringBuilder();
      for (int i = 1; i <= n; i++) {
        columns
            .append(i > 1 ? ", " : "")
            .append(H2Names.quote(meta.getColumnLabel(i).toLowerCase(java.util.Locale.ROOT)))
            .append(' ')
            .append(h2Type(meta.getColumnType(i)));
        marks.append(i > 1 ? ", ?" : "?");
      }
      // Built under a name no user table can have, then renamed: a crash at any point leaves either
      // no
      // table or the whole one (H2 commits DDL at once, so the CREATE cannot join the rows'
      // transaction).
      String building = CatalogStore.BUILDING + java.util.UUID.randomUUID();
      h2.setAutoCommit(false);
      int rows = 0;
      try {
        try (Statement s = h2.createStatement()) {
          s.execute("CREATE TABLE " + H2Names.resultTable(building) + " (" + columns + ")");
        }
        try (PreparedStatement insert =
            h2.prepareStatement(
                "INSERT INTO " + H2Names.resultTable(building) + " VALUES (" + marks + ")")) {
          while (rs.next()) {
            for (int i = 1; i <= n; i++) {
              insert.setObject(i, rs.getObject(i));
            }
            insert.addBatch();
            if (++rows % 1000 == 0) {
              insert.executeBatch();
            }
          }
          insert.executeBatch();
        }
        try (PreparedStatement own =
            h2.prepareStatement(
                "MERGE INTO DEEPBASE_TABLES (NAME, OWNER) KEY (NAME) VALUES (?, ?)")) {
          own.setString(1, name);
          own.setString(2, principal.user());
          own.executeUpdate();
        }
        h2.commit();
        try (Statement s = h2.createStatement()) {
          s.execute(
              "ALTER TABLE " + H2Names.resultTable(building) + " RENAME TO " + H2Names.quote(name));
        }
        store.journal(CatalogJournal.Entry.table(name, query, principal.user()));
        return rows;
      } catch (SQLException | RuntimeException e) {
        h2.rollback();
        try (Statement s = h2.createStatement()) {
          s.execute("DROP TABLE IF EXISTS " + H2Names.resultTable(building));
        }
        throw e;
      }
    }
  }

  private static String h2Type(int jdbcType) {
    return switch (StoredTable.typeOf(jdbcType)) {
      case INTEGER -> "INTEGER";
      case BIGINT -> "BIGINT";
      case DOUBLE -> "DOUBLE PRECISION";
      case BOOLEAN -> "BOOLEAN";
      default -> "VARCHAR";
    };
  }
}
