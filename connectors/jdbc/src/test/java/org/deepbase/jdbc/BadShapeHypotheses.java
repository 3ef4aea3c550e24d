package org.deepbase.jdbc;

import java.util.List;
import org.deepbase.engine.data.DatasetRecord;
import org.deepbase.engine.hypothesis.Hypothesis;
import org.deepbase.engine.hypothesis.HypothesisProvider;

/** A test-only PacMan hypothesis whose mask has the wrong size (a user's buggy function). */
public final class BadShapeHypotheses implements HypothesisProvider {
  @Override
  public String domain() {
    return "pacman";
  }

  @Override
  public List<Hypothesis> hypotheses() {
    return List.of(
        new Hypothesis() {
          @Override
          public String name() {
            return "bad_shape";
          }

          @Override
          public String description() {
            return "a 10 x 10 mask on a 15 x 19 map";
          }

          @Override
          public float[] annotate(DatasetRecord record) {
            return new float[100];
          }
        });
  }
}
