package org.deepbase.engine.hypothesis;

import java.util.Map;
import org.deepbase.engine.catalog.DatasetDescriptor;

/**
 * Supplies hypotheses that live in a workspace rather than in code (annotation tables), added to
 * the {@link HypothesisProvider}s found on the class path.
 */
public interface HypothesisSource {
  /** Returns the hypotheses available for a dataset, by name. */
  Map<String, Hypothesis> forDataset(DatasetDescriptor dataset);
}
