package org.deepbase.queries.pacman;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;

/** Loads the case study's saved SQL and fills its ${name} placeholders. */
public final class SavedQueries {
  private SavedQueries() {}

  /** Returns the query {@code name}.sql with placeholders replaced. */
  public static String load(String name, Map<String, String> values) {
    try (InputStream in =
        Objects.requireNonNull(
            SavedQueries.class.getResourceAsStream(name + ".sql"), "no saved query " + name)) {
      String sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      for (Map.Entry<String, String> e : values.entrySet()) {
        sql = sql.replace("${" + e.getKey() + "}", e.getValue());
      }
      return sql;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
