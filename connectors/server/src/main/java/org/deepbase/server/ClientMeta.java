package org.deepbase.server;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.calcite.avatica.AvaticaSeverity;
import org.apache.calcite.avatica.Meta;
import org.apache.calcite.avatica.jdbc.JdbcMeta;
import org.apache.calcite.avatica.remote.AvaticaRuntimeException;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.security.Principal;
import org.deepbase.jdbc.ClientProperties;

/**
 * Opens each remote client's {@code jdbc:deepbase:} connection as the user who authenticated: the
 * client's properties pass {@link ClientProperties}' allow-list, then the server adds the user and
 * role (a client can never set them). Every later call names a connection (or a statement of one);
 * {@link #guarded} refuses calls on a connection another user opened.
 */
final class ClientMeta extends JdbcMeta {
  private final ThreadLocal<@Nullable Principal> caller;
  private final boolean sparkAllowed;
  private final int queryTimeoutSeconds;
  private final ConcurrentMap<String, String> owners = new ConcurrentHashMap<>();

  /**
   * Creates the meta of a server.
   *
   * @param caller who the request being served comes from (set around each request)
   */
  ClientMeta(
      String url,
      ThreadLocal<@Nullable Principal> caller,
      boolean sparkAllowed,
      int queryTimeoutSeconds,
      java.time.Duration idle)
      throws SQLException {
    super(url, cacheSettings(idle));
    this.caller = caller;
    this.sparkAllowed = sparkAllowed;
    this.queryTimeoutSeconds = queryTimeoutSeconds;
  }

  /**
   * JdbcMeta's connection cache: a connection idle for {@code idle} is closed (and its work
   * cancelled).
   */
  private static Properties cacheSettings(java.time.Duration idle) {
    Properties settings = new Properties();
    settings.setProperty(
        ConnectionCacheSettings.EXPIRY_DURATION.key(), String.valueOf(idle.toMillis()));
    settings.setProperty(
        ConnectionCacheSettings.EXPIRY_UNIT.key(),
        java.util.concurrent.TimeUnit.MILLISECONDS.name());
    return settings;
  }

  private Principal caller() {
    Principal principal = caller.get();
    if (principal == null) {
      throw new IllegalStateException("request without an authenticated user");
    }
    return principal;
  }

  @Override
  public void openConnection(ConnectionHandle ch, @Nullable Map<String, String> info) {
    Principal principal = caller();
    Map<String, String> properties;
    try {
      properties =
          new HashMap<>(
              ClientProperties.settings(info == null ? Map.of() : info, sparkAllowed, false));
    } catch (SQLException e) {
      throw remote(e);
    }
    properties.put(ClientProperties.USER, principal.user());
    properties.put(ClientProperties.ROLE, principal.role().name());
    if (queryTimeoutSeconds > 0) {
      properties.put(ClientProperties.QUERY_TIMEOUT, String.valueOf(queryTimeoutSeconds));
    }
    if (owners.putIfAbsent(ch.id, principal.user()) != null) {
      throw new IllegalArgumentException("connection " + ch.id + " already exists");
    }
    try {
      super.openConnection(ch, properties);
    } catch (RuntimeException e) {
      owners.remove(ch.id);
      throw e;
    }
  }

  @Override
  public void closeConnection(ConnectionHandle ch) {
    try {
      super.closeConnection(ch);
    } finally {
      owners.remove(ch.id);
    }
  }

  /** Closes every client connection (cancelling what they run), as a server does when it stops. */
  void closeAll() {
    for (String id : java.util.List.copyOf(owners.keySet())) {
      try {
        closeConnection(new ConnectionHandle(id));
      } catch (RuntimeException e) {
        // stopping: the others still get closed
      }
    }
  }

  /** Returns this meta behind a check that each call's connection belongs to the caller. */
  Meta guarded() {
    return (Meta)
        Proxy.newProxyInstance(
            ClientMeta.class.getClassLoader(),
            new Class<?>[] {Meta.class},
            (proxy, method, args) -> {
              if (args != null && !method.getName().equals("openConnection")) {
                for (Object arg : args) {
                  String connection =
                      arg instanceof ConnectionHandle ch
                          ? ch.id
                          : arg instanceof StatementHandle sh ? sh.connectionId : null;
                  String owner = connection == null ? null : owners.get(connection);
                  if (owner != null && !owner.equals(caller().user())) {
                    throw new AvaticaRuntimeException(
                        "connection " + connection + " belongs to another user",
                        0,
                        "42501",
                        AvaticaSeverity.ERROR);
                  }
                }
              }
              try {
                return method.invoke(this, args);
              } catch (InvocationTargetException e) {
                throw remote(e.getCause());
              }
            });
  }

  /**
   * Returns the error a remote client receives: the first SQLException's message, code and SQLState
   * (JdbcMeta wraps it in a RuntimeException, and Avatica would send state 00000 and the whole
   * chain of class names); other errors pass unchanged.
   */
  static Throwable remote(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof AvaticaRuntimeException) {
        return t;
      }
      if (t instanceof org.apache.calcite.avatica.NoSuchConnectionException) {
        // Keeps Avatica's missing-connection code (clients may reconnect on it) with a message that
        // says why.
        AvaticaRuntimeException expired =
            new AvaticaRuntimeException(
                "the server closed this connection: it was unused longer than the server's"
                    + " --idle-minutes, or the server restarted; open a new connection",
                org.apache.calcite.avatica.remote.Service.ErrorResponse
                    .MISSING_CONNECTION_ERROR_CODE,
                "08003",
                AvaticaSeverity.ERROR);
        expired.initCause(error);
        return expired;
      }
      if (t instanceof SQLException sql) {
        String state = sql.getSQLState() == null ? "HY000" : sql.getSQLState();
        AvaticaRuntimeException remote =
            new AvaticaRuntimeException(
                String.valueOf(sql.getMessage()), sql.getErrorCode(), state, AvaticaSeverity.ERROR);
        remote.initCause(error);
        return remote;
      }
    }
    return error;
  }

  private static AvaticaRuntimeException remote(SQLException e) {
    return (AvaticaRuntimeException) remote((Throwable) e);
  }
}
