package org.deepbase.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.calcite.schema.Table;
import org.deepbase.engine.catalog.Workspace;
import org.deepbase.engine.schema.SchemaExtension;

/**
 * The workspace's H2 catalog ({@code <workspace>/catalog/deepbase.mv.db}): saved views and stored
 * result tables, shared by every connection and process (H2's AUTO_SERVER mode lets an embedded
 * session and a running server open the same file).
 */
public final class CatalogStore implements SchemaExtension {
  static final String RESULTS = "RESULTS";

  /** One pool per catalog file and JVM: opening an H2 AUTO_SERVER connection costs milliseconds. */
  private static final Map<Path, org.h2.jdbcx.JdbcConnectionPool> POOLS = new java.util.concurrent.ConcurrentHashMap<>();
  /** How long listed views and tables are reused before the catalog is read again. */
  private static final long TTL_NANOS = 1_000_000_000L;

  /**
   * The latest listing per catalog file, shared by every connection of this JVM (so a server's
   * clients see each other's DDL at once); another process's DDL shows within {@link #TTL_NANOS}.
   */
  private static final Map<Path, Listing> LISTINGS = new java.util.concurrent.ConcurrentHashMap<>();

  /** Open DeepBase connections per catalog file: the pool (and H2's file lock) goes with the last. */
  private static final Map<Path, Integer> USERS = new java.util.HashMap<>();

  private final org.h2.jdbcx.JdbcConnectionPool pool;
  private final Path key;
  private final java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();

  /** Names read from the catalog at one moment. */
  private record Listing(long readAt, Map<String, String> views, java.util.List<String> tables) {
  }

  public CatalogStore(Workspace workspace) {
    Path file = workspace.root().resolve("catalog").resolve("deepbase");
    key = file.toAbsolutePath().normalize();
    synchronized (USERS) {
      USERS.merge(key, 1, Integer::sum);
    }
    pool = POOLS.computeIfAbsent(key, f -> {
      org.h2.jdbcx.JdbcConnectionPool p = org.h2.jdbcx.JdbcConnectionPool.create(
          "jdbc:h2:file:" + f + ";AUTO_SERVER=TRUE", "", "");
      p.setMaxConnections(64);
      return p;
    });
    // Connections open concurrently (a server's clients): create the catalog objects once per JVM.
    synchronized (INITIALISED) {
      if (INITIALISED.add(file.toAbsolutePath().normalize())) {
        try (Connection c = connection(); Statement s = c.createStatement()) {
          boolean fresh;
          try (ResultSet rs = c.getMetaData().getTables(null, null, "DEEPBASE_VIEWS", null)) {
            fresh = !rs.next();
          }
          s.execute("CREATE TABLE IF NOT EXISTS DEEPBASE_VIEWS (NAME VARCHAR(256) PRIMARY KEY, SQL CLOB NOT NULL)");
          s.execute("CREATE SCHEMA IF NOT EXISTS " + RESULTS);
          if (fresh) {
            installSavedQueries(c);
          }
        } catch (SQLException e) {
          INITIALISED.remove(file.toAbsolutePath().normalize());
          throw new IllegalStateException("cannot open the workspace catalog " + file + ": " + e.getMessage(), e);
        }
      }
    }
  }

  private static final java.util.Set<Path> INITIALISED = new java.util.HashSet<>();

  /** Saved queries of the case study that a new workspace gets as views. */
  static final java.util.List<String> INSTALLED_VIEWS = java.util.List.of("ghost_detectors", "anticipation");

  /** Installs the case study's parameterless saved queries as views (their comments dropped). */
  private static void installSavedQueries(Connection c) throws SQLException {
    try (PreparedStatement p = c.prepareStatement("MERGE INTO DEEPBASE_VIEWS (NAME, SQL) KEY (NAME) VALUES (?, ?)")) {
      for (String name : INSTALLED_VIEWS) {
        String sql = org.deepbase.queries.pacman.SavedQueries.load(name, Map.of()).lines()
            .filter(line -> !line.trim().startsWith("--")).collect(java.util.stream.Collectors.joining("\n"));
        p.setString(1, name);
        p.setString(2, sql);
        p.executeUpdate();
      }
    }
  }

  /**
   * Releases this store's claim on the catalog (once); when no DeepBase connection of this JVM
   * uses the file any more, its pool is disposed, which lets H2 close the database and its lock.
   */
  public void release() {
    if (!released.compareAndSet(false, true)) {
      return;
    }
    synchronized (USERS) {
      if (USERS.merge(key, -1, Integer::sum) <= 0) {
        USERS.remove(key);
        org.h2.jdbcx.JdbcConnectionPool p = POOLS.remove(key);
        LISTINGS.remove(key);
        synchronized (INITIALISED) {
          INITIALISED.remove(key);
        }
        if (p != null) {
          p.dispose();
        }
      }
    }
  }

  /** Opens a connection to the catalog database; the caller closes it. */
  public Connection connection() throws SQLException {
    return pool.getConnection();
  }

  /** Returns the hypotheses kept in this catalog's annotation tables. */
  public org.deepbase.engine.hypothesis.HypothesisSource annotationTables() {
    return new AnnotationTables(this);
  }

  /** Forgets the cached listing (after this connection's own DDL, which must be visible at once). */
  void invalidate() {
    LISTINGS.remove(key);
  }

  private Listing listing() {
    Listing current = LISTINGS.get(key);
    if (current != null && System.nanoTime() - current.readAt() < TTL_NANOS) {
      return current;
    }
    Map<String, String> views = new TreeMap<>();
    java.util.List<String> tables = new java.util.ArrayList<>();
    try (Connection c = connection(); Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT NAME, SQL FROM DEEPBASE_VIEWS")) {
        while (rs.next()) {
          views.put(rs.getString(1), rs.getString(2));
        }
      }
      try (ResultSet rs = c.getMetaData().getTables(null, RESULTS, "%", new String[] {"TABLE", "BASE TABLE"})) {
        while (rs.next()) {
          tables.add(rs.getString("TABLE_NAME"));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the workspace catalog: " + e.getMessage(), e);
    }
    current = new Listing(System.nanoTime(), views, tables);
    LISTINGS.put(key, current);
    return current;
  }

  private @org.checkerframework.checker.nullness.qual.Nullable Connection calcite;

  /** Gives the store the Calcite connection its views are planned with. */
  public void bind(Connection calcite) {
    this.calcite = calcite;
  }

  /** {@inheritDoc} */
  @Override
  public Map<String, org.apache.calcite.schema.TableMacro> views() {
    Map<String, org.apache.calcite.schema.TableMacro> macros = new TreeMap<>();
    if (calcite != null) {
      viewSql().forEach((name, sql) -> macros.put(name, new SavedView(name, sql, calcite)));
    }
    return macros;
  }

  /** Returns the saved views' SQL, by name. */
  public Map<String, String> viewSql() {
    return listing().views();
  }

  /** {@inheritDoc} */
  @Override
  public Map<String, Table> tables() {
    Map<String, Table> tables = new LinkedHashMap<>();
    listing().tables().forEach(name -> tables.put(name, new StoredTable(this, name)));
    return tables;
  }

  /** Saves a view (replacing one of the same name when asked). */
  void saveView(String name, String sql, boolean replace) throws SQLException {
    try (Connection c = connection()) {
      if (!replace && hasView(name)) {
        throw new SQLException("view '" + name + "' already exists; use CREATE OR REPLACE VIEW", "42S01");
      }
      try (PreparedStatement p = c.prepareStatement("MERGE INTO DEEPBASE_VIEWS (NAME, SQL) KEY (NAME) VALUES (?, ?)")) {
        p.setString(1, name);
        p.setString(2, sql);
        p.executeUpdate();
      }
    }
  }

  /** Drops a view; returns whether it existed. */
  boolean dropView(String name) throws SQLException {
    try (Connection c = connection(); PreparedStatement p = c.prepareStatement("DELETE FROM DEEPBASE_VIEWS WHERE NAME = ?")) {
      p.setString(1, name);
      return p.executeUpdate() > 0;
    }
  }

  /** Returns whether a view exists, reading the catalog now (not the cached listing). */
  boolean hasView(String name) throws SQLException {
    try (Connection c = connection();
         PreparedStatement p = c.prepareStatement("SELECT 1 FROM DEEPBASE_VIEWS WHERE NAME = ?")) {
      p.setString(1, name);
      try (ResultSet rs = p.executeQuery()) {
        return rs.next();
      }
    }
  }

  /** Returns whether a stored table exists. */
  boolean hasTable(String name) throws SQLException {
    try (Connection c = connection()) {
      DatabaseMetaData meta = c.getMetaData();
      try (ResultSet rs = meta.getTables(null, RESULTS, name, null)) {
        return rs.next();
      }
    }
  }

  /** Returns the quoted H2 name of a stored table. */
  static String quoted(String name) {
    return RESULTS + ".\"" + name.replace("\"", "\"\"") + "\"";
  }
}
