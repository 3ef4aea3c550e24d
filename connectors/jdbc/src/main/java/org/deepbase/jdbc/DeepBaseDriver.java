package org.deepbase.jdbc;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.logging.Logger;
import org.apache.calcite.jdbc.CalciteConnection;
import org.apache.calcite.schema.SchemaPlus;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.Progress;
import org.deepbase.engine.extract.ExtractionMetrics;
import org.deepbase.engine.security.Principal;
import org.deepbase.engine.security.Role;
import org.deepbase.engine.workspace.Workspace;
import org.deepbase.sql.DeepBaseFunctions;
import org.deepbase.sql.schema.DeepBaseSchema;
import org.deepbase.store.CatalogStore;
import org.deepbase.store.DdlConnection;

/**
 * JDBC driver for {@code jdbc:deepbase:<workspace directory>}: a Calcite connection whose default
 * schema {@code deepbase} is the workspace, with DeepBase's functions registered.
 *
 * <p>Parsing uses Calcite's Babel parser, where {@code corr} (reserved in standard SQL) can name
 * DeepBase's aggregate. Identifiers are case-insensitive and keep the case they are written in, so
 * the lower-case public names ({@code behaviors}, {@code record_id}) work quoted or not.
 */
public final class DeepBaseDriver implements Driver {
  public static final String PREFIX = "jdbc:deepbase:";

  /**
   * Connection property: an {@link ExtractionMetrics} that counts the connection's forward passes.
   */
  public static final String METRICS = "deepbase.metrics";

  /**
   * Connection property: a {@link Progress} listener for the connection's long work (embedded
   * only).
   */
  public static final String PROGRESS = "deepbase.progress";

  private static final org.apache.calcite.jdbc.Driver CALCITE =
      new org.apache.calcite.jdbc.Driver()
          .withPrepareFactory(org.deepbase.sql.DeepBasePrepare::new);

  static {
    try {
      DriverManager.registerDriver(new DeepBaseDriver());
    } catch (SQLException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** {@inheritDoc} */
  @Override
  public Connection connect(String url, Properties info) throws SQLException {
    if (!acceptsURL(url)) {
      return null;
    }
    Path dir = workspaceOf(url);
    if (!java.nio.file.Files.isDirectory(dir)) {
      // A typo in the URL must not silently create an empty workspace somewhere else.
      throw new SQLException(
          "no DeepBase workspace at "
              + dir.toAbsolutePath()
              + ": create it with './deepbase demo --workspace "
              + dir
              + "' or mkdir",
          "08001");
    }
    Properties properties = new Properties();
    properties.setProperty("caseSensitive", "false");
    properties.setProperty("unquotedCasing", "UNCHANGED");
    properties.setProperty("quotedCasing", "UNCHANGED");
    // Babel's parser keeps SQL:2003 reserved words such as CORR usable as function names.
    properties.setProperty(
        "parserFactory", "org.apache.calcite.sql.parser.babel.SqlBabelParserImpl#FACTORY");
    java.util.Map<String, String> given = new java.util.HashMap<>();
    if (info != null) {
      info.stringPropertyNames().forEach(key -> given.put(key, info.getProperty(key)));
    }
    java.util.Map<String, String> settings = ClientProperties.settings(given, true, true);
    Principal principal = principalOf(given);
    Connection connection = CALCITE.connect("jdbc:calcite:", properties);
    CatalogStore store = null;
    try {
      CalciteConnection calcite = connection.unwrap(CalciteConnection.class);
      store = new CatalogStore(dir);
      Workspace workspace = new Workspace(dir, store.caches(), metricsOf(info), progressOf(info));
      workspace.addHypothesisSource(store.annotationTables());
      DeepBaseSchema deepbase = new DeepBaseSchema(workspace, store, settings, principal);
      SchemaPlus schema = calcite.getRootSchema().add(DeepBaseSchema.NAME, deepbase);
      // Views and stored tables can change under an open connection: never cache their names.
      schema.setCacheEnabled(false);
      store.bind(connection);
      DeepBaseFunctions.register(schema);
      calcite.setSchema(DeepBaseSchema.NAME);
      return DdlConnection.wrap(
          connection,
          store,
          principal,
          Integer.parseInt(given.getOrDefault(ClientProperties.QUERY_TIMEOUT, "0")));
    } catch (SQLException | RuntimeException e) {
      if (store != null) {
        store.release(); // a failed connect must not keep the catalog open
      }
      connection.close();
      throw e;
    }
  }

  /**
   * Returns the metrics the caller gave the connection (property {@value #METRICS}, an {@link
   * ExtractionMetrics} object: only code in this process can pass one), or fresh ones.
   */
  private static ExtractionMetrics metricsOf(@Nullable Properties info) {
    return info != null && info.get(METRICS) instanceof ExtractionMetrics given
        ? given
        : new ExtractionMetrics();
  }

  /**
   * Returns where the connection's long work reports progress (property {@value #PROGRESS}, a
   * {@link Progress} object from code in this process), or nowhere.
   */
  private static Progress progressOf(@Nullable Properties info) {
    return info != null && info.get(PROGRESS) instanceof Progress given ? given : Progress.SILENT;
  }

  /**
   * Returns who the connection runs as: the user and role the server authenticated, or the local OS
   * user as administrator for an embedded connection.
   */
  private static Principal principalOf(java.util.Map<String, String> given) throws SQLException {
    String user = given.get(ClientProperties.USER);
    if (user == null) {
      return Principal.local();
    }
    try {
      return new Principal(user, Role.of(given.get(ClientProperties.ROLE)));
    } catch (IllegalArgumentException e) {
      throw new SQLException(e.getMessage(), ClientProperties.REJECTED, e);
    }
  }

  /** Returns the workspace directory named by a URL (empty means {@code ./workspace}). */
  static Path workspaceOf(String url) {
    String rest = url.substring(PREFIX.length()).trim();
    return Path.of(rest.isEmpty() ? "workspace" : rest);
  }

  /** {@inheritDoc} */
  @Override
  public boolean acceptsURL(String url) {
    return url != null && url.startsWith(PREFIX);
  }

  /** {@inheritDoc} */
  @Override
  public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) {
    return new DriverPropertyInfo[0];
  }

  /** {@inheritDoc} */
  @Override
  public int getMajorVersion() {
    return 0;
  }

  /** {@inheritDoc} */
  @Override
  public int getMinorVersion() {
    return 1;
  }

  /** {@inheritDoc} */
  @Override
  public boolean jdbcCompliant() {
    return false;
  }

  /** {@inheritDoc} */
  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException("DeepBase logs through SLF4J");
  }
}
