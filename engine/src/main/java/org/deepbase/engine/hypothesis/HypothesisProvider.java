package org.deepbase.engine.hypothesis;

import java.util.List;

/**
 * Supplies the hypothesis functions of a data domain (the {@code domain} of a dataset).
 *
 * <p>Service provider interface: implementations are listed in {@code
 * META-INF/services/org.deepbase.engine.hypothesis.HypothesisProvider} of any jar on the class path
 * and found with {@link java.util.ServiceLoader}.
 */
public interface HypothesisProvider {
  /** Returns the domain whose datasets these hypotheses annotate. */
  String domain();

  /** Returns the hypotheses, each with a distinct name. */
  List<Hypothesis> hypotheses();
}
