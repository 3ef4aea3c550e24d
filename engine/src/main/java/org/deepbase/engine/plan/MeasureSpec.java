package org.deepbase.engine.plan;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.measure.Accumulator;
import org.deepbase.engine.measure.Measure;

/**
 * A measure an inspection computes, with its parameters: INSPECT's {@code name}, {@code
 * name(quantile)} or {@code name(quantile, raw)}, e.g. {@code local_iou(0.5)}, {@code iou(0.995,
 * raw)}.
 *
 * @param measure the measure
 * @param quantile its threshold quantile, NaN for the default
 * @param label how result rows name it: the item as the user wrote it, or {@link #format()}
 * @param rawThreshold for dataset-threshold measures: take the threshold from the layer's own grid
 *     and apply it to the values resized to the annotation grid (NetDissect-Lite's convention);
 *     false: threshold the resized values by their own quantile
 */
public record MeasureSpec(
    @JsonProperty("measure") Measure measure,
    @JsonProperty("quantile") double quantile,
    @JsonProperty("label") String label,
    @JsonProperty("raw_threshold") boolean rawThreshold)
    implements java.io.Serializable {
  public MeasureSpec {
    java.util.Objects.requireNonNull(measure, "measure is null");
    java.util.Objects.requireNonNull(label, "label is null");
    if (rawThreshold && !measure.datasetThreshold()) {
      throw new DeepBaseException(
          ErrorCode.BAD_ARGUMENT,
          "bad measure '"
              + label
              + "': only measures with a dataset-wide threshold (iou, precision, recall, f1,"
              + " mutual_info) take 'raw'");
    }
  }

  /** A measure with its parameter, labelled in the canonical form. */
  public static MeasureSpec of(Measure measure, double quantile) {
    return new MeasureSpec(measure, quantile, format(measure, quantile, false), false);
  }

  private static final Pattern FORM =
      Pattern.compile(
          "\\s*([a-z_0-9]+)\\s*(?:\\(\\s*([0-9.eE+-]+)\\s*(?:,\\s*([a-z]+)\\s*)?\\))?\\s*");

  /** The word that asks for NetDissect-Lite's resolution convention. */
  private static final String RAW = "raw";

  /** Parses a measure item, naming it when malformed. */
  public static MeasureSpec parse(String item) {
    Matcher m = FORM.matcher(item.toLowerCase(java.util.Locale.ROOT));
    if (!m.matches() || m.group(3) != null && !m.group(3).equals(RAW)) {
      throw new DeepBaseException(
          ErrorCode.BAD_ARGUMENT,
          "bad measure '" + item + "': write name, name(quantile) or name(quantile, raw)");
    }
    try {
      return new MeasureSpec(
          Measure.of(m.group(1)),
          m.group(2) == null ? Double.NaN : Double.parseDouble(m.group(2)),
          item.trim(),
          m.group(3) != null);
    } catch (NumberFormatException e) {
      throw new DeepBaseException(ErrorCode.BAD_ARGUMENT, "bad quantile in measure '" + item + "'");
    }
  }

  /**
   * Parses INSPECT's {@code measures} argument (comma-separated items), failing on an empty one.
   */
  public static List<MeasureSpec> parseList(String text) {
    List<MeasureSpec> out = new ArrayList<>();
    for (String item : Arguments.split(text, "measures")) {
      out.add(parse(item));
    }
    return out;
  }

  /** Creates the accumulator. */
  public Accumulator create(boolean exact) {
    return measure.create(quantile, exact, rawThreshold);
  }

  /** Formats the spec as INSPECT reads it: {@code name} or {@code name(quantile)}. */
  public String format() {
    return format(measure, quantile, rawThreshold);
  }

  private static String format(Measure measure, double quantile, boolean raw) {
    double q = raw && Double.isNaN(quantile) ? measure.defaultQuantile() : quantile;
    return Double.isNaN(q)
        ? measure.sqlName()
        : measure.sqlName()
            + "("
            + java.math.BigDecimal.valueOf(q).stripTrailingZeros().toPlainString()
            + (raw ? ", " + RAW : "")
            + ")";
  }
}
