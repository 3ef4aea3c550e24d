package org.deepbase.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.stream.Stream;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.security.Principal;
import org.h2.jdbcx.JdbcConnectionPool;

/**
 * The workspace's H2 catalog file opened by this process: embedded, without H2's AUTO_SERVER (which
 * would open a TCP listener on every interface), so only this JVM reads and writes it. A second
 * process finds the file locked and gets a message saying so.
 *
 * <p>Two H2 users: {@code DEEPBASE_ADMIN} sets the catalog up once per open and is never used for a
 * client's work; {@code DEEPBASE_APP}, without H2 admin rights, runs everything else, so even a
 * statement that escaped quoting could not define Java aliases, read or write files or link other
 * databases (H2 refuses those to non-admin users).
 */
final class CatalogDatabase implements AutoCloseable {
  static final String ADMIN_USER = "DEEPBASE_ADMIN";
  static final String APP_USER = "DEEPBASE_APP";
  private static final int DATABASE_ALREADY_OPEN = org.h2.api.ErrorCode.DATABASE_ALREADY_OPEN_1;
  private static final int WRONG_USER_OR_PASSWORD = org.h2.api.ErrorCode.WRONG_USER_OR_PASSWORD;
  private static final String FILE = "deepbase.mv.db";
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(CatalogDatabase.class);

  private final Path dir;
  private final JdbcConnectionPool pool;
  private final @Nullable Path damaged;

  /**
   * Keeps the database open, and so H2's lock on the file held, while this process uses it: H2
   * closes a database when its last connection goes, and another process could then open it.
   */
  private final Connection holder;

  private CatalogDatabase(
      Path dir, JdbcConnectionPool pool, Connection holder, @Nullable Path damaged) {
    this.dir = dir;
    this.pool = pool;
    this.holder = holder;
    this.damaged = damaged;
  }

  /**
   * Opens (creating or upgrading) the catalog in {@code dir}.
   *
   * @param installedViews views a new catalog starts with, by name (owned by {@link
   *     Principal#SYSTEM})
   */
  static CatalogDatabase open(Path dir, Map<String, String> installedViews) throws SQLException {
    CatalogCredentials credentials;
    try {
      credentials = CatalogCredentials.readOrCreate(dir);
    } catch (IOException e) {
      throw new SQLException(
          "cannot read the catalog credentials in " + dir + ": " + e.getMessage(), "58030", e);
    }
    try {
      return open(dir, credentials, installedViews, null);
    } catch (SQLException e) {
      Path file = dir.resolve(FILE);
      if (!isDamage(e) || !Files.isRegularFile(file)) {
        throw translate(e, dir);
      }
      // H2 cannot read its file: keep it for the record (and H2's Recover tool), start a new one;
      // the catalog journal then restores the views (CatalogRepair).
      Path aside =
          dir.resolve(FILE + ".damaged-" + java.time.Instant.now().toString().replace(':', '-'));
      try {
        Files.move(file, aside);
      } catch (IOException moveFailed) {
        e.addSuppressed(moveFailed);
        throw translate(e, dir);
      }
      LOG.warn("The workspace catalog {} cannot be opened ({}); kept as {}", file, e, aside);
      try {
        return open(dir, credentials, installedViews, aside);
      } catch (SQLException again) {
        again.addSuppressed(e);
        throw translate(again, dir);
      }
    }
  }

  private static CatalogDatabase open(
      Path dir,
      CatalogCredentials credentials,
      Map<String, String> installedViews,
      @Nullable Path damaged)
      throws SQLException {
    String url = "jdbc:h2:file:" + dir.resolve("deepbase");
    JdbcConnectionPool pool = JdbcConnectionPool.create(url, APP_USER, credentials.app());
    pool.setMaxConnections(64);
    try (Connection admin = adminConnection(url, credentials)) {
      setUp(admin, credentials, installedViews);
      // Opened before the administrator's connection closes, so the file never becomes free
      // between.
      restrictFiles(dir);
      Connection holder = pool.getConnection();
      return new CatalogDatabase(dir, pool, holder, damaged);
    } catch (SQLException | RuntimeException e) {
      pool.dispose();
      throw e;
    }
  }

  /**
   * Returns whether an open failed because H2 cannot read its file (not because another process has
   * it, or the credentials do not match).
   */
  private static boolean isDamage(SQLException e) {
    if (e.getErrorCode() == org.h2.api.ErrorCode.FILE_CORRUPTED_1) {
      return true;
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof org.h2.mvstore.MVStoreException) {
        return e.getErrorCode() != DATABASE_ALREADY_OPEN;
      }
    }
    return false;
  }

  /** Returns where the damaged file this catalog replaced was kept; null when none was. */
  @Nullable Path damaged() {
    return damaged;
  }

  /**
   * Connects as the catalog's administrator; a catalog made before DeepBase had credentials (H2's
   * default user "" without password) is upgraded: a new administrator gets the stored password and
   * the old user a random one nobody is told.
   */
  private static Connection adminConnection(String url, CatalogCredentials credentials)
      throws SQLException {
    try {
      return DriverManager.getConnection(url, ADMIN_USER, credentials.admin());
    } catch (SQLException e) {
      if (e.getErrorCode() != WRONG_USER_OR_PASSWORD) {
        throw e;
      }
      try (Connection legacy = DriverManager.getConnection(url, "", "");
          Statement s = legacy.createStatement()) {
        s.execute(
            "CREATE USER IF NOT EXISTS "
                + H2Names.quote(ADMIN_USER)
                + " PASSWORD "
                + literal(credentials.admin())
                + " ADMIN");
      } catch (SQLException legacyFailed) {
        e.addSuppressed(legacyFailed);
        throw e;
      }
      Connection admin = DriverManager.getConnection(url, ADMIN_USER, credentials.admin());
      try (Statement s = admin.createStatement()) {
        // It owns the old schemas, so it cannot be dropped: it gets a password nobody is told.
        byte[] secret = new byte[24];
        new java.security.SecureRandom().nextBytes(secret);
        s.execute(
            "ALTER USER \"\" SET PASSWORD " + literal(java.util.HexFormat.of().formatHex(secret)));
      }
      return admin;
    }
  }

  private static void setUp(
      Connection c, CatalogCredentials credentials, Map<String, String> installedViews)
      throws SQLException {
    try (Statement s = c.createStatement()) {
      boolean fresh;
      try (ResultSet rs = c.getMetaData().getTables(null, null, "DEEPBASE_VIEWS", null)) {
        fresh = !rs.next();
      }
      String app = H2Names.quote(APP_USER);
      s.execute("CREATE USER IF NOT EXISTS " + app + " PASSWORD " + literal(credentials.app()));
      s.execute("ALTER USER " + app + " SET PASSWORD " + literal(credentials.app()));
      s.execute(
          "CREATE TABLE IF NOT EXISTS DEEPBASE_VIEWS (NAME VARCHAR(256) PRIMARY KEY, SQL CLOB NOT NULL)");
      // Owners came with roles; a view saved before then belongs to the workspace's administrators.
      s.execute(
          "ALTER TABLE DEEPBASE_VIEWS ADD COLUMN IF NOT EXISTS OWNER VARCHAR(256) DEFAULT "
              + literal(Principal.SYSTEM)
              + " NOT NULL");
      s.execute(
          "CREATE TABLE IF NOT EXISTS DEEPBASE_TABLES (NAME VARCHAR(256) PRIMARY KEY, OWNER VARCHAR(256) NOT NULL)");
      s.execute("CREATE SCHEMA IF NOT EXISTS " + H2Names.quote(CatalogStore.RESULTS));
      s.execute(
          "GRANT SELECT, INSERT, UPDATE, DELETE ON DEEPBASE_VIEWS, DEEPBASE_TABLES TO " + app);
      // Creating and dropping result tables; H2 keeps CREATE ALIAS, files and links for admins.
      s.execute("GRANT ALTER ANY SCHEMA TO " + app);
      // H2 acknowledges a commit before writing it (about a second later, in the background) unless
      // the write delay is 0: then a statement that returned survives kill -9 (not a power cut: H2
      // does not fsync each commit).
      s.execute("SET WRITE_DELAY 0");
      dropUnfinishedTables(c);
      if (fresh) {
        try (PreparedStatement p =
            c.prepareStatement(
                "MERGE INTO DEEPBASE_VIEWS (NAME, SQL, OWNER) KEY (NAME) VALUES (?, ?, ?)")) {
          for (Map.Entry<String, String> view : installedViews.entrySet()) {
            p.setString(1, view.getKey());
            p.setString(2, view.getValue());
            p.setString(3, Principal.SYSTEM);
            p.executeUpdate();
          }
        }
      }
    }
  }

  /** Drops result tables a process died building (see {@link CatalogStore#BUILDING}). */
  private static void dropUnfinishedTables(Connection c) throws SQLException {
    java.util.List<String> unfinished = new java.util.ArrayList<>();
    try (ResultSet rs = c.getMetaData().getTables(null, CatalogStore.RESULTS, "%", null)) {
      while (rs.next()) {
        if (rs.getString("TABLE_NAME").startsWith(CatalogStore.BUILDING)) {
          unfinished.add(rs.getString("TABLE_NAME"));
        }
      }
    }
    try (Statement s = c.createStatement()) {
      for (String table : unfinished) {
        s.execute("DROP TABLE IF EXISTS " + H2Names.resultTable(table));
      }
    }
  }

  /**
   * Returns a string literal for H2 SQL (only for DeepBase's own generated secrets and constants).
   */
  private static String literal(String value) {
    return "'" + value.replace("'", "''") + "'";
  }

  private static void restrictFiles(Path dir) throws SQLException {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        CatalogCredentials.restrictFile(file);
      }
    } catch (IOException e) {
      throw new SQLException(
          "cannot restrict the permissions of " + dir + ": " + e.getMessage(), "58030", e);
    }
  }

  private static SQLException translate(SQLException e, Path dir) {
    if (e.getErrorCode() == DATABASE_ALREADY_OPEN) {
      SQLException inUse =
          new SQLException(
              "the workspace catalog "
                  + dir
                  + " is open in another process (a "
                  + "running 'deepbase serve' or shell?): one process at a time owns a workspace; connect to that server, or "
                  + "stop it first",
              "55006");
      inUse.addSuppressed(
          e); // not the cause: callers that show the innermost message would show H2's
      return inUse;
    }
    return new SQLException(
        "cannot open the workspace catalog " + dir + ": " + e.getMessage(), "58030", e);
  }

  /** Opens a connection as the catalog's non-admin user; the caller closes it. */
  Connection connection() throws SQLException {
    return pool.getConnection();
  }

  /** Returns the catalog directory. */
  Path dir() {
    return dir;
  }

  /** Closes every pooled connection, which lets H2 close the file and release its lock. */
  @Override
  public void close() {
    try {
      holder.close();
    } catch (SQLException e) {
      // closing returns it to the pool, which is disposed next either way
    }
    pool.dispose();
  }
}
