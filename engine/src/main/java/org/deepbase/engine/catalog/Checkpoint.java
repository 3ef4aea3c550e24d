package org.deepbase.engine.catalog;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Names one saved state of a model: its epoch and parameter file.
 *
 * @param model the model's name
 * @param epoch the checkpoint number (DJL's epoch suffix of the parameter file)
 * @param path the parameter file
 */
public record Checkpoint(String model, int epoch, Path path) {
  public Checkpoint {
    Objects.requireNonNull(model, "model is null");
    Objects.requireNonNull(path, "path is null");
  }
}
