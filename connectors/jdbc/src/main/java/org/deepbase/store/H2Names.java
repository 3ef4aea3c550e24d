package org.deepbase.store;

/**
 * Quotes names for H2 SQL text. Every identifier that DeepBase puts into catalog SQL goes through
 * {@link #quote}: the name becomes one delimited identifier whatever it holds (quotes, semicolons,
 * comments, unicode), as PostgreSQL treats a hostile column alias. Values never go into SQL text:
 * they are bound as parameters.
 */
final class H2Names {
  private H2Names() {}

  /** Returns {@code name} as a delimited H2 identifier. */
  static String quote(String name) {
    if (name.indexOf('\0') >= 0) {
      // H2 would cut the identifier at the NUL; refuse rather than store another name.
      throw new IllegalArgumentException("identifier contains a NUL character");
    }
    return '"' + name.replace("\"", "\"\"") + '"';
  }

  /** Returns a stored result table's qualified name. */
  static String resultTable(String name) {
    return quote(CatalogStore.RESULTS) + "." + quote(name);
  }
}
