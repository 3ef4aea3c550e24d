package org.deepbase.store;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
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
  public static Connection wrap(Connection calcite, CatalogStore store) {
    Ddl ddl = new Ddl(store, calcite);
    return (Connection) Proxy.newProxyInstance(DdlConnection.class.getClassLoader(), new Class<?>[] {Connection.class},
        (proxy, method, args) -> {
          Object result = invoke(calcite, method, args);
          if (result instanceof PreparedStatement) {
            return result; // prepared DDL is not supported; Calcite reports a parse error
          }
          if (result instanceof Statement statement) {
            return wrapStatement(statement, (Connection) proxy, ddl);
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
        return switch (name) {
          case "execute" -> false;
          case "executeLargeUpdate" -> (long) updateCount[0];
          default -> updateCount[0];
        };
      }
      if (ddlRan[0] && (name.equals("getUpdateCount") || name.equals("getLargeUpdateCount"))) {
        ddlRan[0] = false;
        return name.equals("getUpdateCount") ? updateCount[0] : (long) updateCount[0];
      }
      if (ddlRan[0] && name.equals("getResultSet")) {
        return null;
      }
      if (name.equals("getConnection")) {
        return connection;
      }
      ddlRan[0] = false;
      return invoke(statement, method, args);
    };
    return (Statement) Proxy.newProxyInstance(DdlConnection.class.getClassLoader(), new Class<?>[] {Statement.class},
        handler);
  }

  private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
