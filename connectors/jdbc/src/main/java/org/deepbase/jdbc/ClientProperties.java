package org.deepbase.jdbc;

import java.sql.SQLException;
import java.util.Map;
import java.util.TreeMap;

/**
 * The connection properties a client may set: an allow-list. Calcite's own connection properties
 * ({@code model}, {@code schemaFactory}, {@code fun}, {@code parserFactory}, ...) load classes,
 * files and URLs, so a client never reaches them; anything not listed here is refused with an error
 * naming it.
 */
public final class ClientProperties {
  /** Set by the server for the authenticated user; never taken from a remote client. */
  public static final String USER = "deepbase.user";

  /** Set by the server with the authenticated user's role; never taken from a remote client. */
  public static final String ROLE = "deepbase.role";

  /**
   * Set by the server with its per-statement time limit in seconds; never taken from a remote
   * client.
   */
  public static final String QUERY_TIMEOUT = "deepbase.query_timeout";

  /** SQLState of a refused property: the server rejected the connection. */
  static final String REJECTED = "08004";

  private ClientProperties() {}

  /**
   * Returns DeepBase's settings among a client's properties ({@code engine}, {@code spark.*}),
   * failing on any property that is not allowed.
   *
   * @param sparkAllowed whether this connection may choose the Spark engine and its settings
   * @param principalAllowed whether {@link #USER} and {@link #ROLE} may be given (the embedded
   *     driver: whoever runs it owns the workspace files; never for a remote client)
   */
  public static Map<String, String> settings(
      Map<String, String> properties, boolean sparkAllowed, boolean principalAllowed)
      throws SQLException {
    Map<String, String> settings = new TreeMap<>();
    for (Map.Entry<String, String> property : new TreeMap<>(properties).entrySet()) {
      String key = property.getKey();
      if (key.equals("user") || key.equals("password")) {
        continue; // JDBC's standard pair; the server authenticates over HTTP, the embedded driver
        // needs none
      }
      if (principalAllowed && key.startsWith("avatica.")) {
        continue; // the server's own JdbcMeta settings (connection cache expiry), merged in by
        // Avatica
      }
      if (principalAllowed && (key.equals(USER) || key.equals(ROLE) || key.equals(QUERY_TIMEOUT))) {
        continue;
      }
      if (sparkAllowed && (key.equals("engine") || key.startsWith("spark."))) {
        settings.put(key, property.getValue());
        continue;
      }
      throw new SQLException(
          "connection property '"
              + key
              + "' is not allowed; a client may set user, password"
              + (sparkAllowed
                  ? ", engine and spark.*"
                  : " (engine and spark.* only where the server allows Spark)"),
          REJECTED);
    }
    return settings;
  }
}
