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
import java.util.Map;

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
   * Fixes what Calcite's metadata gets wrong for a BI tool's navigator: getColumns and getTables
   * list every view under any table name pattern (a view's columns would show under each table,
   * 'beh%' would find the views), and match patterns case-sensitively though identifiers are not
   * (sqlline upper-cases the name it is given when the driver says identifiers are stored in upper
   * case, as Avatica's client does, so {@code !columns behaviors} found nothing); getTableTypes
   * leaves out the SYSTEM TABLE type of the built-in tables; getFunctionColumns is empty.
   */
  private static DatabaseMetaData wrapMetaData(DatabaseMetaData metaData, Connection connection) {
    return (DatabaseMetaData)
        Proxy.newProxyInstance(
            DdlConnection.class.getClassLoader(),
            new Class<?>[] {DatabaseMetaData.class},
            (proxy, method, args) -> {
              String name = method.getName();
              if (name.equals("getConnection")) {
                return connection;
              }
              // What embedded clients show (a remote Avatica client reports its own driver's name
              // instead).
              if (name.equals("getDatabaseProductName")) {
                return PRODUCT_NAME;
              }
              if (name.equals("getDatabaseProductVersion")) {
                return PRODUCT_VERSION
                    + " (Apache Calcite "
                    + metaData.getDatabaseProductVersion()
                    + ")";
              }
              if (name.equals("getTableTypes")) {
                return Metadata.tableTypes();
              }
              if (name.equals("getFunctionColumns") && args != null) {
                return Metadata.functionColumns(
                    connection.unwrap(org.apache.calcite.jdbc.CalciteConnection.class),
                    (String) args[1],
                    (String) args[2],
                    (String) args[3]);
              }
              if ((name.equals("getColumns") || name.equals("getTables")) && args != null) {
                // Calcite matches case-sensitively: ask it for everything, filter here.
                Object[] all = args.clone();
                all[1] = null;
                all[2] = "%";
                if (name.equals("getColumns")) {
                  all[3] = "%";
                }
                ResultSet rows = (ResultSet) invoke(metaData, method, all);
                Map<String, String> patterns = new java.util.LinkedHashMap<>();
                patterns.put("TABLE_SCHEM", (String) args[1]);
                patterns.put("TABLE_NAME", (String) args[2]);
                if (name.equals("getColumns")) {
                  patterns.put("COLUMN_NAME", (String) args[3]);
                }
                return Metadata.matching(rows, patterns);
              }
              return invoke(metaData, method, args);
            });
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
