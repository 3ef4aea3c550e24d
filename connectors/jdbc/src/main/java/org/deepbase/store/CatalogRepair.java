package org.deepbase.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.security.Principal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles the H2 catalog with its {@link CatalogJournal} when the catalog opens, as a union:
 * what H2 has stays (it is the newer record when a crash came between H2's commit and the journal's
 * append), and a view the journal has but H2 lacks is written back into H2 — after a damaged file
 * was replaced, or when H2 silently opened an older or empty state. A stored table the journal has
 * but H2 lacks cannot be restored (its rows lived only in H2): it is reported with the query that
 * made it. The journal is then rewritten as a snapshot of the result.
 */
final class CatalogRepair {
  private static final Logger LOG = LoggerFactory.getLogger(CatalogRepair.class);

  /** What a reconciliation did. */
  record Outcome(List<String> restoredViews, Map<String, CatalogJournal.Saved> lostTables) {
    boolean changedAnything() {
      return !restoredViews.isEmpty() || !lostTables.isEmpty();
    }
  }

  private CatalogRepair() {}

  /**
   * Reconciles {@code database} with the journal in its directory; reports (log and a file beside
   * the catalog) when views were restored or tables lost.
   */
  static Outcome reconcile(CatalogDatabase database, CatalogJournal journal) throws SQLException {
    CatalogJournal.Contents recorded = recorded(database, journal);
    Outcome outcome;
    CatalogJournal.Contents now;
    try (Connection c = database.connection()) {
      Map<String, CatalogJournal.Saved> views = views(c);
      Map<String, String> tableOwners = tableOwners(c);
      List<String> restored = new ArrayList<>();
      Map<String, CatalogJournal.Saved> lost = new TreeMap<>();
      Map<String, CatalogJournal.Saved> tables = new TreeMap<>();
      if (recorded != null) {
        try (PreparedStatement p =
            c.prepareStatement(
                "MERGE INTO DEEPBASE_VIEWS (NAME, SQL, OWNER) KEY (NAME) VALUES (?, ?, ?)")) {
          for (Map.Entry<String, CatalogJournal.Saved> view : recorded.views().entrySet()) {
            if (!views.containsKey(view.getKey()) && view.getValue().sql() != null) {
              p.setString(1, view.getKey());
              p.setString(2, view.getValue().sql());
              p.setString(3, view.getValue().owner());
              p.executeUpdate();
              views.put(view.getKey(), view.getValue());
              restored.add(view.getKey());
            }
          }
        }
        recorded
            .tables()
            .forEach(
                (name, saved) -> {
                  if (!tableOwners.containsKey(name)) {
                    lost.put(name, saved);
                  }
                });
      }
      tableOwners.forEach(
          (name, owner) -> {
            CatalogJournal.Saved known = recorded == null ? null : recorded.tables().get(name);
            tables.put(name, new CatalogJournal.Saved(known == null ? null : known.sql(), owner));
          });
      outcome = new Outcome(restored, lost);
      now = new CatalogJournal.Contents(views, tables);
    }
    try {
      journal.rewrite(now);
    } catch (IOException e) {
      throw new SQLException(
          "cannot write the catalog journal in " + database.dir() + ": " + e.getMessage(),
          "58030",
          e);
    }
    if (outcome.changedAnything() || database.damaged() != null) {
      report(database, outcome);
    }
    return outcome;
  }

  /** Returns what the journal records; null when there is none yet or it cannot be read. */
  private static CatalogJournal.@Nullable Contents recorded(
      CatalogDatabase database, CatalogJournal journal) {
    try {
      return journal.exists() ? journal.read() : null;
    } catch (IOException | RuntimeException e) {
      LOG.warn(
          "The catalog journal in {} cannot be read ({}); rewriting it from H2", database.dir(), e);
      return null;
    }
  }

  private static Map<String, CatalogJournal.Saved> views(Connection c) throws SQLException {
    Map<String, CatalogJournal.Saved> views = new TreeMap<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT NAME, SQL, OWNER FROM DEEPBASE_VIEWS")) {
      while (rs.next()) {
        views.put(rs.getString(1), new CatalogJournal.Saved(rs.getString(2), rs.getString(3)));
      }
    }
    return views;
  }

  /** Returns the stored tables with their owners (the workspace's administrators when unknown). */
  private static Map<String, String> tableOwners(Connection c) throws SQLException {
    Map<String, String> owners = new TreeMap<>();
    try (ResultSet rs =
        c.getMetaData()
            .getTables(null, CatalogStore.RESULTS, "%", new String[] {"TABLE", "BASE TABLE"})) {
      while (rs.next()) {
        String name = rs.getString("TABLE_NAME");
        if (!name.startsWith(CatalogStore.BUILDING)) {
          owners.put(name, Principal.SYSTEM);
        }
      }
    }
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT NAME, OWNER FROM DEEPBASE_TABLES")) {
      while (rs.next()) {
        owners.replace(rs.getString(1), rs.getString(2));
      }
    }
    return owners;
  }

  /** Logs what was repaired and writes the same text to {@code recovery-<time>.txt}. */
  private static void report(CatalogDatabase database, Outcome outcome) {
    StringBuilder text = new StringBuilder("DeepBase repaired the workspace catalog ");
    text.append(database.dir()).append(" when it opened.\n");
    @Nullable Path damaged = database.damaged();
    if (damaged != null) {
      text.append("H2 could not read its file; the damaged file is kept as ")
          .append(damaged)
          .append(" (H2's Recover tool may salvage table rows from it).\n");
    }
    text.append("Views restored from ")
        .append(CatalogJournal.FILE_NAME)
        .append(": ")
        .append(outcome.restoredViews().isEmpty() ? "none" : outcome.restoredViews())
        .append('\n');
    if (outcome.lostTables().isEmpty()) {
      text.append("No stored table was lost.\n");
    } else {
      text.append(
          "Stored tables lost (their rows lived only in the damaged file); re-create them:\n");
      outcome
          .lostTables()
          .forEach(
              (name, saved) ->
                  text.append("  CREATE TABLE ")
                      .append(name)
                      .append(" AS ")
                      .append(saved.sql() == null ? "<query unknown>" : saved.sql())
                      .append('\n'));
    }
    LOG.warn(text.toString().strip());
    Path file =
        database
            .dir()
            .resolve("recovery-" + java.time.Instant.now().toString().replace(':', '-') + ".txt");
    try {
      Files.writeString(file, text);
      CatalogCredentials.restrictFile(file);
    } catch (IOException e) {
      LOG.warn("cannot write {}: {}", file, e.getMessage());
    }
  }
}
