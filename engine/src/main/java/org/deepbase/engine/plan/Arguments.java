package org.deepbase.engine.plan;

import java.util.ArrayList;
import java.util.List;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;

/** Splitting and number parsing shared by the parsers of INSPECT's text arguments. */
public final class Arguments {
  private Arguments() {}

  /** Splits a comma-separated argument, failing on an empty one. */
  public static List<String> split(String value, String argument) {
    List<String> items = new ArrayList<>();
    if (value != null) {
      for (String part : value.split(",")) {
        if (!part.isBlank()) {
          items.add(part.trim());
        }
      }
    }
    if (items.isEmpty()) {
      throw new DeepBaseException(
          ErrorCode.BAD_ARGUMENT, "INSPECT needs a non-empty '" + argument + "' argument");
    }
    return items;
  }

  static int parseInt(String text, String what) {
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new DeepBaseException(
          ErrorCode.BAD_ARGUMENT, "bad " + what + ": '" + text + "' is not a number");
    }
  }
}
