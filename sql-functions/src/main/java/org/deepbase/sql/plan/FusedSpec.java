package org.deepbase.sql.plan;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.plan.MeasureSpec;
import org.deepbase.engine.plan.ModelTarget;
import org.deepbase.engine.plan.UnitTarget;

/**
 * What a {@link FusedInspection} computes and how its rows are laid out: the inspection's typed
 * targets, then, per output column, either a key of the inspection row or a score.
 *
 * <p>A plain value (serialised to JSON into generated code), never Calcite or DJL objects.
 */
public record FusedSpec(
    @JsonProperty("models") List<ModelTarget> models,
    @JsonProperty("units") List<UnitTarget> units,
    @JsonProperty("hypotheses") List<String> hypotheses,
    @JsonProperty("measures") List<MeasureSpec> measures,
    @JsonProperty("dataset") String dataset,
    @JsonProperty("columns") List<Column> columns) {

  public FusedSpec {
    models = List.copyOf(models);
    units = List.copyOf(units);
    hypotheses = List.copyOf(hypotheses);
    measures = List.copyOf(measures);
    columns = List.copyOf(columns);
  }

  /** A key of an inspection row that can be a group key of the relational form. */
  public enum Key {
    MODEL,
    CHECKPOINT,
    LAYER,
    UNIT,
    HYPOTHESIS,
    DATASET
  }

  /**
   * One output column: a key of the inspection row, or the score of {@code measures[score]}.
   *
   * @param key the key, or null for a score
   * @param score the index of the measure, or -1 for a key
   */
  public record Column(@JsonProperty("key") @Nullable Key key, @JsonProperty("score") int score) {
    public Column {
      if ((key == null) == (score < 0)) {
        throw new IllegalArgumentException("a column is a key or a score: " + key + ", " + score);
      }
    }

    /** A group key column. */
    public static Column key(Key key) {
      return new Column(key, -1);
    }

    /** The score of a measure. */
    public static Column score(int measure) {
      return new Column(null, measure);
    }
  }
}
