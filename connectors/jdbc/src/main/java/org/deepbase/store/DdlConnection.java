package org.deepbase.store;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Pattern;

/**
 * Wraps a Calcite connection so that DeepBase DDL reaches {@link Ddl} and everything else reaches
 * Calcite. JDBC clients (and Avatica's JdbcMeta behind the server) see an ordinary connection.
 */
public final class DdlConnection {
  /** The product name JDBC metadata reports. */
  public static final String PRODUCT_NAME = "DeepBase";

  /** The product version JDBC metadata reports (before the Calcite version it runs on). */
  public static final String PRODUCT_VERSION = "0.1.0";

  private DdlConnection() {}

  /** Returns a connection that handles DDL against the store and delegates the rest. */
  public static Connection wrap(
      Connection calcite, CatalogStore store, org.deepbase.engine.security.Principal principal) {
    return wrap(calcite, store, principal, 0);
  }

  /**
   * Returns a connection that handles DDL against the store and delegates the rest.
   *
   * @param queryTimeoutSeconds the timeout every statement starts with (a server's limit); 0 for
   *     none
   */
  public static Connection wrap(
      Connection calcite,
      CatalogStore store,
      org.deepbase.engine.security.Principal principal,
      int queryTimeoutSeconds) {
    Ddl ddl = new Ddl(store, calcite, principal);
    // Statements still open when the connection closes are cancelled first: a client that goes
    // away (or a server that stops) stops its running queries instead of leaving them computing.
    java.util.Set<Statement> open = java.util.concurrent.ConcurrentHashMap.newKeySet();
    return (Connection)
        Proxy.newProxyInstance(
            DdlConnection.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, args) -> {
              if (method.getName().equals("close")) {
                try {
                  cancelAll(open);
                  return invoke(calcite, method, args);
                } finally {
                  store.release();
                }
              }
              Object result = hinting(store, () -> invoke(calcite, method, args));
              if (result instanceof Statement created) {
                open.removeIf(DdlConnection::isClosed);
                open.add(created);
                if (queryTimeoutSeconds > 0) {
                  created.setQueryTimeout(queryTimeoutSeconds);
                }
              }
              if (result instanceof PreparedStatement prepared) {
                // prepared DDL is not supported; Calcite reports a parse error
                return translating(prepared, PreparedStatement.class, (Connection) proxy);
              }
              if (result instanceof Statement statement) {
                return wrapStatement(statement, (Connection) proxy, ddl, store);
              }
              if (result instanceof DatabaseMetaData metaData) {
                return wrapMetaData(metaData, (Connection) proxy);
              }
              return result;
            });
  }

  private static Statement wrapStatement(
      Statement statement, Connection connection, Ddl ddl, CatalogStore store) {
    int[] updateCount = {-1};
    boolean[] ddlRan = {false};
    InvocationHandler handler =
        (proxy, method, args) -> {
          String name = method.getName();
          if (args != null
              && args.length >= 1
              && args[0] instanceof String sql
              && Ddl.matches(sql)
              && (name.equals("execute")
                  || name.equals("executeUpdate")
                  || name.equals("executeLargeUpdate"))) {
            updateCount[0] = ddl.execute(sql);
            ddlRan[0] = true;
            if (name.equals("execute")) {
              return false;
            }
            if (name.equals("executeLargeUpdate")) {
              return (long) updateCount[0];
            }
            return updateCount[0];
          }
          if (ddlRan[0] && (name.equals("getUpdateCount") || name.equals("getLargeUpdateCount"))) {
            ddlRan[0] = false;
            // Not a ternary: it would widen the int to long, and a boxed Long is not an Integer.
            if (name.equals("getUpdateCount")) {
              return updateCount[0];
            }
            return (long) updateCount[0];
          }
          if (ddlRan[0] && name.equals("getResultSet")) {
            return null;
          }
          if (name.equals("getConnection")) {
            return connection;
          }
          ddlRan[0] = false;
          cancelBeforeClose(statement, name);
          return translatingResult(hinting(store, () -> invoke(statement, method, args)));
        };
    return (Statement)
        Proxy.newProxyInstance(
            DdlConnection.class.getClassLoader(), new Class<?>[] {Statement.class}, handler);
  }

  /**
   * Fixes Calcite's getColumns and getTables, which list every view under any table name pattern: a
   * BI tool would show a view's columns under each table, and 'beh%' would find the views. Rows are
   * kept only when their TABLE_NAME matches the pattern asked for.
   */
  private static DatabaseMetaData wrapMetaData(DatabaseMetaData metaData, Connection connection) {
    return (DatabaseMetaData)
        Proxy.newProxyInstance(
            DdlConnection.class.getClassLoader(),
            new Class<?>[] {DatabaseMetaData.class},
            (proxy, method, args) -> {
              if (method.getName().equals("getConnection")) {
                return connection;
              }
              // What embedded clients show (a remote Avatica client reports its own driver's name
              // instead).
              if (method.getName().equals("getDatabaseProductName")) {
                return PRODUCT_NAME;
              }
              if (method.getName().equals("getDatabaseProductVersion")) {
                return PRODUCT_VERSION
                    + " (Apache Calcite "
                    + metaData.getDatabaseProductVersion()
                    + ")";
              }
              Object result = invoke(metaData, method, args);
              if ((method.getName().equals("getColumns") || method.getName().equals("getTables"))
                  && args != null
                  && args[2] instanceof String pattern) {
                return withTableNames((ResultSet) result, likePattern(pattern));
              }
              return result;
            });
  }

  /**
   * Copies the rows of a metadata result whose TABLE_NAME matches, into H2's in-memory result set
   * (a complete ResultSet: JDK row sets refuse calls sqlline makes, "Operation not yet supported").
   */
  static ResultSet withTableNames(ResultSet rows, Pattern like) throws SQLException {
    try (rows) {
      java.sql.ResultSetMetaData meta = rows.getMetaData();
      int n = meta.getColumnCount();
      org.h2.tools.SimpleResultSet kept = new org.h2.tools.SimpleResultSet();
      for (int i = 1; i <= n; i++) {
        kept.addColumn(
            meta.getColumnLabel(i), meta.getColumnType(i), meta.getPrecision(i), meta.getScale(i));
      }
      int tableName = rows.findColumn("TABLE_NAME");
      while (rows.next()) {
        String name = rows.getString(tableName);
        if (name != null && like.matcher(name).matches()) {
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

  /** Translates a JDBC LIKE pattern ('%', '_', escape '\\') into a regular expression. */
  static Pattern likePattern(String like) {
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

  /** A reflective call. */
  private interface Call {
    Object run() throws Throwable;
  }

  /**
   * Runs a call; when it fails on an unknown object while saved views and tables are unavailable,
   * the error says so (the object may be a saved view this process cannot read).
   */
  private static Object hinting(CatalogStore store, Call call) throws Throwable {
    try {
      return call.run();
    } catch (SQLException e) {
      String why = store.unavailable();
      if (why == null || e.getMessage() == null || !e.getMessage().contains("not found")) {
        throw e;
      }
      SQLException hinted =
          new SQLException(
              e.getMessage() + " (saved views and tables are unavailable: " + why + ")",
              e.getSQLState(),
              e.getErrorCode(),
              e);
      hinted.setNextException(e.getNextException());
      throw hinted;
    }
  }

  private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause() instanceof SQLException sql ? SqlStates.translate(sql) : e.getCause();
    }
  }

  private static void cancelAll(java.util.Set<Statement> statements) {
    for (Statement statement : statements) {
      try {
        if (!statement.isClosed()) {
          statement.cancel();
        }
      } catch (SQLException | RuntimeException e) {
        // closing the connection next closes it anyway
      }
    }
  }

  private static boolean isClosed(Statement statement) {
    try {
      return statement.isClosed();
    } catch (SQLException e) {
      return true;
    }
  }

  /** Returns a proxy of {@code target} whose errors carry SQLStates (see {@link SqlStates}). */
  private static <T> T translating(T target, Class<T> type, Connection connection) {
    return type.cast(
        Proxy.newProxyInstance(
            DdlConnection.class.getClassLoader(),
            new Class<?>[] {type},
            (proxy, method, args) -> {
              if (method.getName().equals("getConnection")) {
                return connection;
              }
              if (target instanceof Statement statement) {
                cancelBeforeClose(statement, method.getName());
              }
              return translatingResult(invoke(target, method, args));
            }));
  }

  /**
   * Cancels a statement's running work before closing it: a remote client's close (Avatica has no
   * cancel request; closing from another thread is how a client stops a query) then stops the
   * server's work at its next batch instead of letting it run on unread.
   */
  private static void cancelBeforeClose(Statement statement, String method) {
    if (method.equals("close")) {
      cancelAll(java.util.Set.of(statement));
    }
  }

  /**
   * Wraps result sets (where a query's work and its errors happen, row by row) to translate errors.
   */
  private static Object translatingResult(Object result) {
    if (result instanceof ResultSet rows && !Proxy.isProxyClass(rows.getClass())) {
      return Proxy.newProxyInstance(
          DdlConnection.class.getClassLoader(),
          new Class<?>[] {ResultSet.class},
          (proxy, method, args) -> invoke(rows, method, args));
    }
    return result;
  }
}
