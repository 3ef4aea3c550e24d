package org.deepbase.engine.plan;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;

/**
 * Units an inspection reads: one unit of a layer, every unit of a layer, or every unit of every
 * layer.
 *
 * @param layer the layer's name; null for every layer
 * @param unit the unit, or {@link #ALL} for every unit of the layer
 */
public record UnitTarget(
    @JsonProperty("layer") @Nullable String layer, @JsonProperty("unit") int unit)
    implements java.io.Serializable {
  /** Every unit of the layer. */
  public static final int ALL = -1;

  public UnitTarget {
    if (layer == null && unit != ALL) {
      throw new IllegalArgumentException("a unit needs its layer: " + unit);
    }
  }

  /** Every unit of every layer. */
  public static UnitTarget everything() {
    return new UnitTarget(null, ALL);
  }

  /** Every unit of one layer. */
  public static UnitTarget allOf(String layer) {
    return new UnitTarget(layer, ALL);
  }

  /** One unit of one layer; units are numbered from 0. */
  public static UnitTarget of(String layer, int unit) {
    if (unit < 0) {
      throw new DeepBaseException(
          ErrorCode.UNIT_OUT_OF_RANGE,
          "unit " + unit + " is out of range for layer '" + layer + "': units are numbered from 0");
    }
    return new UnitTarget(layer, unit);
  }

  /** Returns whether this target names every unit of its layer(s). */
  public boolean allUnits() {
    return unit == ALL;
  }

  /**
   * Parses INSPECT's {@code units} argument: comma-separated {@code layer.*} (every unit of a
   * layer) or {@code layer.N}; {@code *} alone means every unit of every layer.
   */
  public static List<UnitTarget> parseList(String text) {
    List<UnitTarget> out = new ArrayList<>();
    for (String item : Arguments.split(text, "units")) {
      if (item.equals("*")) {
        out.add(everything());
        continue;
      }
      int dot = item.lastIndexOf('.');
      if (dot <= 0) {
        throw new DeepBaseException(
            ErrorCode.BAD_ARGUMENT,
            "units item '" + item + "' must be layer.* or layer.N (e.g. 'conv1.*,conv2.14')");
      }
      String unit = item.substring(dot + 1);
      out.add(
          unit.equals("*")
              ? allOf(item.substring(0, dot))
              : of(item.substring(0, dot), Arguments.parseInt(unit, "unit in '" + item + "'")));
    }
    return out;
  }

  /** Returns the argument form: {@code *}, {@code layer.*} or {@code layer.N}. */
  @Override
  public String toString() {
    return layer == null ? "*" : layer + "." + (unit == ALL ? "*" : String.valueOf(unit));
  }
}
