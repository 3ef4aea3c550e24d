package org.deepbase.engine.exec;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.measure.Accumulator;
import org.deepbase.engine.measure.Measures;

/**
 * A measure named in INSPECT's {@code measures} argument: {@code name} or {@code name(quantile)},
 * e.g. {@code local_iou(0.5)}.
 *
 * @param name the measure
 * @param quantile its threshold quantile, NaN for the default
 */
public record MeasureSpec(String name, double quantile) implements java.io.Serializable {
  private static final Pattern FORM = Pattern.compile("\\s*([a-z_0-9]+)\\s*(?:\\(\\s*([0-9.eE+-]+)\\s*\\))?\\s*");

  /** Parses a measure item, naming it when malformed. */
  public static MeasureSpec parse(String item) {
    Matcher m = FORM.matcher(item.toLowerCase(java.util.Locale.ROOT));
    if (!m.matches()) {
      throw new DeepBaseException(ErrorCode.BAD_ARGUMENT, "bad measure '" + item + "': write name or name(quantile)");
    }
    try {
      return new MeasureSpec(m.group(1), m.group(2) == null ? Double.NaN : Double.parseDouble(m.group(2)));
    } catch (NumberFormatException e) {
      throw new DeepBaseException(ErrorCode.BAD_ARGUMENT, "bad quantile in measure '" + item + "'");
    }
  }

  /** Creates the accumulator. */
  public Accumulator create(boolean exact) {
    return Measures.create(name, quantile, exact);
  }

  /** Formats the spec as INSPECT reads it. */
  public String format() {
    return Double.isNaN(quantile) ? name : name + "(" + quantile + ")";
  }
}
