package org.deepbase.engine.extract;

import java.util.Arrays;
import java.util.Locale;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;

/** What a unit's behavior at a symbol is. */
public enum BehaviorKind {
  /** The unit's output (after its activation), resized to the annotation grid. */
  ACTIVATION,
  /**
   * Saliency: |d(sum of the unit's outputs over the record)/d(input)| at each input symbol, the
   * maximum over the input's channel axis (Simonyan et al. 2014).
   */
  GRADIENT;

  /** Returns the SQL name, e.g. {@code gradient}. */
  public String sqlName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a SQL name, naming the choices when it is unknown; null means activation. */
  public static BehaviorKind parse(String name) {
    if (name == null || name.isBlank()) {
      return ACTIVATION;
    }
    for (BehaviorKind kind : values()) {
      if (kind.sqlName().equalsIgnoreCase(name.trim())) {
        return kind;
      }
    }
    throw new DeepBaseException(
        ErrorCode.BAD_ARGUMENT,
        "unknown behavior '"
            + name
            + "'; known: "
            + Arrays.stream(values()).map(BehaviorKind::sqlName).toList());
  }
}
