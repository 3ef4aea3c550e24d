package org.deepbase.engine.extract;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the model work extractors do: forward passes and the layers they computed. Injected, like
 * DJL's {@code setMetrics}: a workspace owns one and hands it to every extractor it makes; an
 * embedded connection may be given one (connection property {@code deepbase.metrics}, a Java
 * object, so only in-process callers can) to observe the work its queries cause.
 */
public final class ExtractionMetrics {
  private final LongAdder forwardPasses = new LongAdder();
  private final LongAdder layerForwards = new LongAdder();

  /** Records one forward pass that computed this many layers. */
  void recordForward(int layers) {
    forwardPasses.increment();
    layerForwards.add(layers);
  }

  /** Returns how many forward passes ran (one per batch, whatever the number of layers tapped). */
  public long forwardPasses() {
    return forwardPasses.sum();
  }

  /** Returns how many layer forwards ran (a pass stops after the deepest requested layer). */
  public long layerForwards() {
    return layerForwards.sum();
  }
}
