package org.deepbase.engine.plan;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * What a {@link FusedInspection} computes and how its rows are laid out: the INSPECT arguments,
 * then, per output column, either a group key taken from the inspection row ({@code key:model},
 * {@code key:checkpoint}, {@code key:layer}, {@code key:unit}, {@code key:hypothesis},
 * {@code key:dataset}) or a score ({@code score:<index into measures>}).
 *
 * <p>A plain value (serialised to JSON into generated code), never Calcite or DJL objects.
 */
public record FusedSpec(
    @JsonProperty("models") String models,
    @JsonProperty("units") String units,
    @JsonProperty("hypotheses") List<String> hypotheses,
    @JsonProperty("measures") List<String> measures,
    @JsonProperty("dataset") String dataset,
    @JsonProperty("columns") List<String> columns) {

  public FusedSpec {
    hypotheses = List.copyOf(hypotheses);
    measures = List.copyOf(measures);
    columns = List.copyOf(columns);
  }
}
