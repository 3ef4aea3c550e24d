package org.deepbase.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.calcite.schema.Table;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.catalog.InstalledViews;
import org.deepbase.engine.workspace.WorkspaceShared;
import org.deepbase.sql.schema.SchemaExtension;

/**
 * The workspace's H2 catalog ({@code <workspace>/catalog/deepbase.mv.db}): saved views and stored
 * result tables with their owners, shared by every connection of this process (see {@link
 * CatalogDatabase} for why one process owns it).
 */
public final class CatalogStore implements SchemaExtension {
  static final String RESULTS = "RESULTS";

  /**
   * Prefix of a result table being built by CREATE TABLE AS ('$' cannot start a DeepBase table
   * name): never listed, and dropped when the catalog opens (left by a process that died).
   */
  static final String BUILDING = "$building$";

  /** How long listed views and tables are reused before the catalog is read again. */
  private static final long TTL_NANOS = 1_000_000_000L;

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CatalogStore.class);

  /**
   * The catalogs this JVM has open, by file: H2 allows one opener per file, and every DeepBase
   * connection of the JVM (a server's clients) shares it; the last connection to go closes it.
   */
  private static final Map<Path, Shared> OPEN = new HashMap<>();

  /**
   * One open catalog and what its connections share (the catalog database, the workspace's caches).
   */
  private static final class Shared {
    /** The open catalog; null when it could not be opened (then {@link #unavailable} says why). */
    final @Nullable CatalogDatabase database;

    final @Nullable SQLException unavailable;
    final CatalogJournal journal;
    final WorkspaceShared caches = new WorkspaceShared();
    int users;
    volatile @Nullable Listing listing;

    /** Set when reading the open catalog failed (an H2 panic), so it is reported once. */
    final AtomicBoolean failureReported = new AtomicBoolean();

    Shared(
        @Nullable CatalogDatabase database,
        @Nullable SQLException unavailable,
        CatalogJournal journal) {
      this.database = database;
      this.unavailable = unavailable;
      this.journal = journal;
    }

    /**
     * Opens the catalog in {@code dir}, repairing it from its journal when needed; a catalog that
     * cannot be opened (another process owns it, or it is beyond repair) is reported here, once,
     * and the workspace answers without it.
     */
    static Shared open(Path dir) {
      CatalogJournal journal = new CatalogJournal(dir);
      CatalogDatabase database = null;
      try {
        database = CatalogDatabase.open(dir, installedViews());
        CatalogRepair.reconcile(database, journal);
        return new Shared(database, null, journal);
      } catch (SQLException e) {
        if (database != null) {
          database.close();
        }
        LOG.warn(
            "Saved views and tables are unavailable in this process: {} (the rest of the workspace"
                + " answers)",
            e.getMessage());
        return new Shared(null, e, journal);
      }
    }
  }

  /** Names read from the catalog at one moment. */
  private record Listing(long readAt, Map<String, String> views, List<String> tables) {}

  private final Path key;
  private final Shared shared;
  private final AtomicBoolean released = new AtomicBoolean();
  private @Nullable Connection calcite;

  /**
   * Opens (or joins) the catalog of the workspace at {@code root}. A catalog that cannot be opened
   * does not fail the connection: queries that need no saved object still run, and saved views,
   * stored tables and DDL give the reason (see {@link #unavailable}).
   */
  public CatalogStore(Path root) {
    key = root.resolve("catalog").toAbsolutePath().normalize();
    synchronized (OPEN) {
      Shared open = OPEN.get(key);
      if (open == null) {
        open = Shared.open(key);
        OPEN.put(key, open);
      }
      open.users++;
      shared = open;
    }
  }

  /**
   * Returns the views every catalog starts with: those of each {@link InstalledViews} on the class
   * path.
   */
  private static Map<String, String> installedViews() {
    Map<String, String> views = new LinkedHashMap<>();
    for (InstalledViews provider : ServiceLoader.load(InstalledViews.class)) {
      views.putAll(provider.views());
    }
    return views;
  }

  /**
   * Releases this store's claim on the catalog (once); when no DeepBase connection of this JVM uses
   * the file any more, it is closed, which releases H2's file lock.
   */
  public void release() {
    if (!released.compareAndSet(false, true)) {
      return;
    }
    synchronized (OPEN) {
      if (--shared.users <= 0) {
        OPEN.remove(key);
        if (shared.database != null) {
          shared.database.close();
        }
      }
    }
  }

  /**
   * Returns the caches of the workspace, shared by every connection of this process to it and
   * dropped with the catalog when the last one closes.
   */
  public WorkspaceShared caches() {
    return shared.caches;
  }

  /**
   * Opens a connection to the catalog database (non-admin H2 user); the caller closes it. Fails
   * with the reason when the catalog is unavailable.
   */
  public Connection connection() throws SQLException {
    CatalogDatabase database = shared.database;
    if (database == null) {
      SQLException why = java.util.Objects.requireNonNull(shared.unavailable);
      throw new SQLException(
          "saved views and tables are unavailable: " + why.getMessage(), why.getSQLState(), why);
    }
    return database.connection();
  }

  /** Returns why saved views and tables are unavailable to this process, or null when they are. */
  public @Nullable String unavailable() {
    return shared.unavailable == null ? null : shared.unavailable.getMessage();
  }

  /** Records an acknowledged change in the catalog journal (synced before it returns). */
  void journal(CatalogJournal.Entry entry) throws SQLException {
    try {
      shared.journal.append(entry);
    } catch (java.io.IOException e) {
      throw new SQLException(
          "the change was saved in the catalog but not in its journal: " + e.getMessage(),
          "58030",
          e);
    }
  }

  /** Returns the hypotheses kept in this catalog's annotation tables. */
  public org.deepbase.engine.hypothesis.HypothesisSource annotationTables() {
    return new AnnotationTables(this);
  }

  /**
   * Forgets the cached listing (after this connection's own DDL, which must be visible at once).
   */
  void invalidate() {
    shared.listing = null;
  }

  private Listing listing() {
    Listing current = shared.listing;
    if (shared.database == null) {
      return new Listing(System.nanoTime(), Map.of(), List.of());
    }
    if (current != null && System.nanoTime() - current.readAt() < TTL_NANOS) {
      return current;
    }
    Map<String, String> views = new TreeMap<>();
    List<String> tables = new ArrayList<>();
    try (Connection c = connection();
        Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT NAME, SQL FROM DEEPBASE_VIEWS")) {
        while (rs.next()) {
          views.put(rs.getString(1), rs.getString(2));
        }
      }
      try (ResultSet rs =
          c.getMetaData().getTables(null, RESULTS, "%", new String[] {"TABLE", "BASE TABLE"})) {
        while (rs.next()) {
          if (!rs.getString("TABLE_NAME").startsWith(BUILDING)) {
            tables.add(rs.getString("TABLE_NAME"));
          }
        }
      }
    } catch (SQLException e) {
      // Queries that need no saved object must not fail with the catalog (an H2 panic closes it):
      // keep answering with the names last read.
      if (shared.failureReported.compareAndSet(false, true)) {
        LOG.warn("cannot read the workspace catalog {}: {}", key, e.getMessage());
      }
      return current != null ? current : new Listing(System.nanoTime(), Map.of(), List.of());
    }
    current = new Listing(System.nanoTime(), views, tables);
    shared.listing = current;
    return current;
  }

  /** Gives the store the Calcite connection its views are planned with. */
  public void bind(Connection calcite) {
    this.calcite = calcite;
  }

  /** {@inheritDoc} */
  @Override
  public Map<String, org.apache.calcite.schema.TableMacro> views() {
    Map<String, org.apache.calcite.schema.TableMacro> macros = new TreeMap<>();
    Connection planner = calcite;
    if (planner != null) {
      viewSql().forEach((name, sql) -> macros.put(name, new SavedView(name, sql, planner)));
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

  /** Saves a view owned by {@code owner} (replacing one of the same name when asked). */
  void saveView(String name, String sql, String owner, boolean replace) throws SQLException {
    try (Connection c = connection()) {
      if (!replace && viewOwner(name) != null) {
        throw new SQLException(
            "view '" + name + "' already exists; use CREATE OR REPLACE VIEW", "42S01");
      }
      try (PreparedStatement p =
          c.prepareStatement(
              "MERGE INTO DEEPBASE_VIEWS (NAME, SQL, OWNER) KEY (NAME) VALUES (?, ?, ?)")) {
        p.setString(1, name);
        p.setString(2, sql);
        p.setString(3, owner);
        p.executeUpdate();
      }
    }
    journal(CatalogJournal.Entry.view(name, sql, owner));
  }

  /** Drops a view; returns whether it existed. */
  boolean dropView(String name) throws SQLException {
    try (Connection c = connection();
        PreparedStatement p = c.prepareStatement("DELETE FROM DEEPBASE_VIEWS WHERE NAME = ?")) {
      p.setString(1, name);
      boolean existed = p.executeUpdate() > 0;
      journal(CatalogJournal.Entry.dropView(name));
      return existed;
    }
  }

  /** Returns a view's owner, reading the catalog now; null when there is no such view. */
  @Nullable String viewOwner(String name) throws SQLException {
    return owner("DEEPBASE_VIEWS", name);
  }

  /**
   * Returns a stored table's owner; null when there is no such table. A table made before owners
   * were recorded belongs to the workspace's administrators.
   */
  @Nullable String tableOwner(String name) throws SQLException {
    if (!hasTable(name)) {
      return null;
    }
    String owner = owner("DEEPBASE_TABLES", name);
    return owner == null ? org.deepbase.engine.security.Principal.SYSTEM : owner;
  }

  private @Nullable String owner(String registry, String name) throws SQLException {
    try (Connection c = connection();
        PreparedStatement p =
            c.prepareStatement("SELECT OWNER FROM " + registry + " WHERE NAME = ?")) {
      p.setString(1, name);
      try (ResultSet rs = p.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  /** Returns whether a stored table exists. */
  boolean hasTable(String name) throws SQLException {
    try (Connection c = connection()) {
      DatabaseMetaData meta = c.getMetaData();
      // The name is a LIKE pattern here: escape its wildcards so that 'a_b' does not find 'axb'.
      String escape = meta.getSearchStringEscape();
      String pattern =
          name.replace(escape, escape + escape)
              .replace("%", escape + "%")
              .replace("_", escape + "_");
      try (ResultSet rs = meta.getTables(null, RESULTS, pattern, null)) {
        while (rs.next()) {
          if (rs.getString("TABLE_NAME").equals(name)) {
            return true;
          }
        }
        return false;
      }
    }
  }
}
