package org.deepbase.store;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.regex.Pattern;
import javax.sql.rowset.FilteredRowSet;
import javax.sql.rowset.RowSetProvider;
import java.sql.PreparedStatement;
import java.sql.Statement;

/**
 * Wraps a Calcite connection so that DeepBase DDL reaches {@link Ddl} and everything else reaches
 * Calcite. JDBC clients (and Avatica's JdbcMeta behind the server) see an ordinary connection.
 */
public final class DdlConnection {
  private DdlConnection() {
  }

  /** Returns a connection that handles DDL against the store and delegates the rest. */
  public static Connection wrap(Connection calcite, CatalogStore store,
      org.deepbase.engine.security.Principal principal) {
    return wrap(calcite, store, principal, 0);
  }

  /**
   * Returns a connection that handles DDL against the store and delegates the rest.
   *
   * @param queryTimeoutSeconds the timeout every statement starts with (a server's limit); 0 for none
   */
  public static Connection wrap(Connection calcite, CatalogStore store,
      org.deepbase.engine.security.Principal principal, int queryTimeoutSeconds) {
    Ddl ddl = new Ddl(store, calcite, principal);
    // Statements still open when the connection closes are cancelled first: a client that goes
    // away (or a server that stops) stops its running queries instead of leaving them computing.
    java.util.Set<Statement> open = java.util.concurrent.ConcurrentHashMap.newKeySet();
    return (Connection) Proxy.newProxyInstance(DdlConnection.class.getClassLoader(), new Class<?>[] {Connection.class},
        (proxy, method, args) -> {
          if (method.getName().equals("close")) {
            try {
              cancelAll(open);
              return invoke(calcite, method, args);
            } finally {
              store.release();
            }
          }
          Object result = invoke(calcite, method, args);
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
            return wrapStatement(statement, (Connection) proxy, ddl);
          }
          if (result instanceof DatabaseMetaData metaData) {
            return wrapMetaData(metaData, (Connection) proxy);
          }
          return result;
        });
  }

  private static Statement wrapStatement(Statement statement, Connection connection, Ddl ddl) {
    int[] updateCount = {-1};
    boolean[] ddlRan = {false};
    InvocationHandler handler = (proxy, method, args) -> {
      String name = method.getName();
      if (args != null && args.length >= 1 && args[0] instanceof String sql && Ddl.matches(sql)
          && (name.equals("execute") || name.equals("executeUpdate") || name.equals("executeLargeUpdate"))) {
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
      return translatingResult(invoke(statement, method, args));
    };
    return (Statement) Proxy.newProxyInstance(DdlConnection.class.getClassLoader(), new Class<?>[] {Statement.class},
        handler);
  }

  /**
   * Fixes Calcite's getColumns, which lists the columns of every view under any table name
   * pattern: a BI tool would show a view's columns under each table. Rows are kept only when their
   * TABLE_NAME matches the pattern asked for. (getTables has the same flaw, issue 15; a row set
   * there breaks sqlline's !tables, so it is not filtered this way.)
   */
  private static DatabaseMetaData wrapMetaData(DatabaseMetaData metaData, Connection connection) {
    return (DatabaseMetaData) Proxy.newProxyInstance(DdlConnection.class.getClassLoader(),
        new Class<?>[] {DatabaseMetaData.class}, (proxy, method, args) -> {
          if (method.getName().equals("getConnection")) {
            return connection;
          }
          Object result = invoke(metaData, method, args);
          if (method.getName().equals("getColumns") && args != null && args[2] instanceof String pattern) {
            Pattern like = likePattern(pattern);
            FilteredRowSet rows = RowSetProvider.newFactory().createFilteredRowSet();
            try (ResultSet columns = (ResultSet) result) {
              rows.populate(columns);
            }
            rows.setFilter(new TableNameFilter(like));
            rows.beforeFirst();
            return rows;
          }
          return result;
        });
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

  /** Keeps the metadata rows whose TABLE_NAME matches. */
  private record TableNameFilter(Pattern like) implements javax.sql.rowset.Predicate {
    @Override
    public boolean evaluate(javax.sql.RowSet rs) {
      try {
        return like.matcher(rs.getString("TABLE_NAME")).matches();
      } catch (SQLException e) {
        return false;
      }
    }

    @Override
    public boolean evaluate(Object value, int column) {
      return true;
    }

    @Override
    public boolean evaluate(Object value, String columnName) {
      return true;
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
    return type.cast(Proxy.newProxyInstance(DdlConnection.class.getClassLoader(), new Class<?>[] {type},
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

  /** Wraps result sets (where a query's work and its errors happen, row by row) to translate errors. */
  private static Object translatingResult(Object result) {
    if (result instanceof ResultSet rows && !Proxy.isProxyClass(rows.getClass())) {
      return Proxy.newProxyInstance(DdlConnection.class.getClassLoader(), new Class<?>[] {ResultSet.class},
          (proxy, method, args) -> invoke(rows, method, args));
    }
    return result;
  }
}
