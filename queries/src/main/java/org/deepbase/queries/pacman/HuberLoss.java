package org.deepbase.queries.pacman;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;

/**
 * DQN's loss: the Huber loss (delta 1) between the Q-value of the move taken and its target. Large
 * errors (a caught penalty early in training) pull linearly, not quadratically, which keeps the
 * updates stable without clipping rewards away.
 *
 * <p>Labels: the targets [B] and the moves taken, one-hot [B, moves]; prediction: Q-values [B,
 * moves].
 */
final class HuberLoss extends Loss {
  HuberLoss() {
    super("HuberLoss");
  }

  @Override
  public NDArray evaluate(NDList labels, NDList predictions) {
    NDArray taken = predictions.singletonOrThrow().mul(labels.get(1)).sum(new int[] {1});
    NDArray error = taken.sub(labels.get(0)).abs();
    NDArray quadratic = error.minimum(1f);
    return quadratic.square().mul(0.5f).add(error.sub(quadratic)).mean();
  }
}
