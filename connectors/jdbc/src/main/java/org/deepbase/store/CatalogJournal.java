package org.deepbase.store;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A second, plain-text record of the catalog's saved objects ({@code catalog/ddl.journal}, JSON
 * lines), from which a damaged H2 file is rebuilt: the view texts and owners, and the queries that
 * made stored tables (their rows live only in H2).
 *
 * <p>Every acknowledged DDL statement appends its entry, synced to disk, after H2 committed and
 * before the statement returns. When the catalog opens, H2 and the journal are reconciled as a
 * union ({@link CatalogRepair}) and the journal is rewritten as a snapshot (atomic rename), so it
 * never grows beyond one line per object plus the statements of one session. A torn last line (a
 * crash while appending) is ignored: its statement had not returned.
 */
final class CatalogJournal {
  static final String FILE_NAME = "ddl.journal";
  private static final ObjectMapper JSON =
      new ObjectMapper().setSerializationInclusion(JsonInclude.Include.NON_NULL);

  /** What an entry does. */
  enum Op {
    VIEW,
    DROP_VIEW,
    TABLE,
    DROP_TABLE
  }

  /** One journal line; {@code sql} and {@code owner} only for VIEW and TABLE. */
  record Entry(Op op, String name, @Nullable String sql, @Nullable String owner) {
    static Entry view(String name, String sql, String owner) {
      return new Entry(Op.VIEW, name, sql, owner);
    }

    static Entry table(String name, @Nullable String sql, String owner) {
      return new Entry(Op.TABLE, name, sql, owner);
    }

    static Entry dropView(String name) {
      return new Entry(Op.DROP_VIEW, name, null, null);
    }

    static Entry dropTable(String name) {
      return new Entry(Op.DROP_TABLE, name, null, null);
    }
  }

  /** A saved object as the journal knows it: its query (null for a table made before journals). */
  record Saved(@Nullable String sql, String owner) {}

  /** The journal's objects, by name. */
  record Contents(Map<String, Saved> views, Map<String, Saved> tables) {}

  private final Path file;

  CatalogJournal(Path catalogDir) {
    this.file = catalogDir.resolve(FILE_NAME);
  }

  /** Returns whether the journal exists (a catalog made before journals has none yet). */
  boolean exists() {
    return Files.exists(file);
  }

  /** Appends an entry and syncs it to disk before returning. */
  synchronized void append(Entry entry) throws IOException {
    byte[] line = (JSON.writeValueAsString(entry) + "\n").getBytes(StandardCharsets.UTF_8);
    try (FileChannel channel =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      ByteBuffer buffer = ByteBuffer.wrap(line);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(false);
    }
    CatalogCredentials.restrictFile(file);
  }

  /** Replays the journal; a missing journal has no objects. */
  synchronized Contents read() throws IOException {
    Map<String, Saved> views = new TreeMap<>();
    Map<String, Saved> tables = new TreeMap<>();
    if (!Files.exists(file)) {
      return new Contents(views, tables);
    }
    String text = Files.readString(file, StandardCharsets.UTF_8);
    List<String> lines = text.lines().toList();
    boolean torn = !text.isEmpty() && !text.endsWith("\n");
    for (int i = 0; i < lines.size(); i++) {
      if (torn && i == lines.size() - 1) {
        break; // cut short by a crash: its statement never returned
      }
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      Entry entry = JSON.readValue(line, Entry.class);
      switch (entry.op()) {
        case VIEW -> views.put(entry.name(), new Saved(entry.sql(), owner(entry)));
        case DROP_VIEW -> views.remove(entry.name());
        case TABLE -> tables.put(entry.name(), new Saved(entry.sql(), owner(entry)));
        case DROP_TABLE -> tables.remove(entry.name());
      }
    }
    return new Contents(views, tables);
  }

  private static String owner(Entry entry) {
    return entry.owner() == null ? org.deepbase.engine.security.Principal.SYSTEM : entry.owner();
  }

  /**
   * Replaces the journal with a snapshot of {@code contents}: written beside it, synced, then
   * renamed over it, so a crash leaves the old journal or the new one.
   */
  synchronized void rewrite(Contents contents) throws IOException {
    StringBuilder text = new StringBuilder();
    for (Map.Entry<String, Saved> view : contents.views().entrySet()) {
      text.append(
              JSON.writeValueAsString(
                  Entry.view(view.getKey(), view.getValue().sql(), view.getValue().owner())))
          .append('\n');
    }
    for (Map.Entry<String, Saved> table : contents.tables().entrySet()) {
      text.append(
              JSON.writeValueAsString(
                  Entry.table(table.getKey(), table.getValue().sql(), table.getValue().owner())))
          .append('\n');
    }
    Path next = file.resolveSibling(FILE_NAME + ".next");
    try (FileChannel channel =
        FileChannel.open(
            next,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer buffer = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(true);
    }
    CatalogCredentials.restrictFile(next);
    Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    syncDirectory(file.getParent());
  }

  /** Makes a rename durable (the directory entry is what changed). */
  private static void syncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // some file systems cannot sync a directory; the rename is atomic either way
    }
  }
}
