package org.deepbase.store;

import java.sql.SQLException;
import java.util.Locale;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.DeepBaseException;

/**
 * Gives every error a connection raises a SQLState from the standard classes, so that clients (and
 * Avatica, which forwards it to remote ones) can tell a bad name from a cancel: DeepBase's own
 * errors carry theirs ({@link org.deepbase.engine.ErrorCode#sqlState}), Calcite's parse and
 * validation errors become 42601 and 42000, a cancel 57014. The message is kept, with DeepBase's
 * own added where Calcite's leaves it out.
 */
final class SqlStates {
  static final String SYNTAX_ERROR = "42601";
  static final String SYNTAX_OR_ACCESS = "42000";
  static final String CANCELED = "57014";

  private SqlStates() {}

  /** Returns {@code e} with a SQLState: itself when it has a meaningful one, else a copy. */
  static SQLException translate(SQLException e) {
    String state = e.getSQLState();
    if (state != null && !state.isEmpty() && !state.equals("00000")) {
      return e;
    }
    String found = stateOf(e);
    if (found == null) {
      return e;
    }
    SQLException translated = new SQLException(message(e), found, e.getErrorCode(), e);
    translated.setNextException(e.getNextException());
    return translated;
  }

  /**
   * Returns the message, with DeepBase's own appended where Calcite's hides it (a table function's
   * error arrives as "... java.lang.reflect.InvocationTargetException").
   */
  private static String message(SQLException e) {
    String message = String.valueOf(e.getMessage());
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof DeepBaseException d && !message.contains(d.getMessage())) {
        return message.replace(": java.lang.reflect.InvocationTargetException", "")
            + ": "
            + d.getMessage();
      }
    }
    return message;
  }

  private static @Nullable String stateOf(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof DeepBaseException d) {
        return d.code().sqlState();
      }
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      String name = t.getClass().getName();
      if (name.endsWith(".SqlParseException")) {
        return SYNTAX_ERROR;
      }
      if (name.endsWith(".SqlValidatorException") || name.endsWith(".CalciteContextException")) {
        return SYNTAX_OR_ACCESS;
      }
      if (t instanceof java.util.concurrent.CancellationException
          || t.getMessage() != null && t.getMessage().toLowerCase(Locale.ROOT).contains("cancel")) {
        return CANCELED;
      }
    }
    return null;
  }
}
