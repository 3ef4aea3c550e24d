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
      // Commas inside parentheses belong to an item: iou(0.995, raw).
      int depth = 0;
      int start = 0;
      for (int i = 0; i <= value.length(); i++) {
        char c = i < value.length() ? value.charAt(i) : ',';
        if (c == '(') {
          depth++;
        } else if (c == ')') {
          depth = Math.max(0, depth - 1);
        } else if (c == ',' && (depth == 0 || i == value.length())) {
          String part = value.substring(start, i);
          if (!part.isBlank()) {
            items.add(part.trim());
          }
          start = i + 1;
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
