package org.deepbase.engine.plan;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A model and which of its checkpoints an inspection reads.
 *
 * @param model the model's name
 * @param checkpoints the latest checkpoint, one numbered checkpoint, or all of them
 * @param checkpoint the checkpoint number when {@code checkpoints} is {@link Checkpoints#ONE}, else
 *     0
 */
public record ModelTarget(
    @JsonProperty("model") String model,
    @JsonProperty("checkpoints") Checkpoints checkpoints,
    @JsonProperty("checkpoint") int checkpoint)
    implements java.io.Serializable {

  /** Which checkpoints of the model. */
  public enum Checkpoints {
    LATEST,
    ONE,
    ALL
  }

  public ModelTarget {
    Objects.requireNonNull(model, "model is null");
    Objects.requireNonNull(checkpoints, "checkpoints is null");
    if (checkpoints != Checkpoints.ONE) {
      checkpoint = 0;
    }
  }

  /** The model's latest checkpoint. */
  public static ModelTarget latest(String model) {
    return new ModelTarget(model, Checkpoints.LATEST, 0);
  }

  /** One checkpoint of the model. */
  public static ModelTarget at(String model, int checkpoint) {
    return new ModelTarget(model, Checkpoints.ONE, checkpoint);
  }

  /** Every checkpoint of the model, in order. */
  public static ModelTarget every(String model) {
    return new ModelTarget(model, Checkpoints.ALL, 0);
  }

  /**
   * Parses INSPECT's {@code models} argument: comma-separated {@code name} (latest checkpoint),
   * {@code name@N} (checkpoint N) or {@code name@*} (every checkpoint).
   */
  public static List<ModelTarget> parseList(String text) {
    List<ModelTarget> out = new ArrayList<>();
    for (String item : Arguments.split(text, "models")) {
      int at = item.indexOf('@');
      if (at < 0) {
        out.add(latest(item));
      } else if (item.substring(at + 1).equals("*")) {
        out.add(every(item.substring(0, at)));
      } else {
        out.add(
            at(
                item.substring(0, at),
                Arguments.parseInt(item.substring(at + 1), "checkpoint in '" + item + "'")));
      }
    }
    return out;
  }

  /** Returns the argument form: {@code name}, {@code name@N} or {@code name@*}. */
  @Override
  public String toString() {
    return switch (checkpoints) {
      case LATEST -> model;
      case ONE -> model + "@" + checkpoint;
      case ALL -> model + "@*";
    };
  }
}
