package org.deepbase.engine.hypothesis;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.catalog.DatasetDescriptor;
import org.deepbase.engine.data.DatasetRecord;

/** Finds hypothesis functions for a dataset and evaluates them with shape checks. */
public final class Hypotheses {
  private Hypotheses() {}

  /** Returns the hypotheses that apply to a dataset's domain, by name. */
  public static Map<String, Hypothesis> forDataset(DatasetDescriptor dataset) {
    Map<String, Hypothesis> byName = new TreeMap<>();
    for (HypothesisProvider provider : ServiceLoader.load(HypothesisProvider.class)) {
      if (provider.domain().equals(dataset.domain())) {
        for (Hypothesis h : provider.hypotheses()) {
          byName.put(h.name(), h);
        }
      }
    }
    return byName;
  }

  /** Returns every known (domain, hypothesis) pair. */
  public static List<Map.Entry<String, Hypothesis>> all() {
    List<Map.Entry<String, Hypothesis>> all = new ArrayList<>();
    for (HypothesisProvider provider : ServiceLoader.load(HypothesisProvider.class)) {
      for (Hypothesis h : provider.hypotheses()) {
        all.add(Map.entry(provider.domain(), h));
      }
    }
    return all;
  }

  /**
   * Returns the hypothesis {@code name} among those available for a dataset, or fails naming them.
   */
  public static Hypothesis pick(
      Map<String, Hypothesis> available, DatasetDescriptor dataset, String name) {
    Hypothesis h = available.get(name);
    if (h == null) {
      throw new DeepBaseException(
          ErrorCode.UNKNOWN_HYPOTHESIS,
          "unknown hypothesis '"
              + name
              + "' for dataset '"
              + dataset.name()
              + "' (domain "
              + dataset.domain()
              + "); available: "
              + available.keySet());
    }
    return h;
  }

  /** Annotates a record, failing with both shapes when the annotation does not fit the symbols. */
  public static float[] annotate(
      Hypothesis hypothesis, DatasetDescriptor dataset, DatasetRecord record) {
    float[] annotation = hypothesis.annotate(record);
    checkLength(hypothesis, dataset, annotation.length, 1, "record " + record.recordId());
    return annotation;
  }

  /**
   * Annotates a batch's records into one array (records x symbols), in one go when the hypothesis
   * can ({@link Hypothesis#annotateAll}), failing as {@link #annotate} does.
   */
  public static float[] annotateAll(
      Hypothesis hypothesis, DatasetDescriptor dataset, List<DatasetRecord> records) {
    float[] all = hypothesis.annotateAll(records);
    if (all != null) {
      checkLength(hypothesis, dataset, all.length, records.size(), records.size() + " records");
      return all;
    }
    int symbols = dataset.symbolCount();
    float[] out = new float[records.size() * symbols];
    for (int r = 0; r < records.size(); r++) {
      System.arraycopy(annotate(hypothesis, dataset, records.get(r)), 0, out, r * symbols, symbols);
    }
    return out;
  }

  private static void checkLength(
      Hypothesis hypothesis, DatasetDescriptor dataset, int length, int records, String what) {
    if (length != (long) records * dataset.symbolCount()) {
      throw new DeepBaseException(
          ErrorCode.SHAPE_MISMATCH,
          "hypothesis '"
              + hypothesis.name()
              + "' returned "
              + length
              + " values for "
              + what
              + " of dataset '"
              + dataset.name()
              + "'; expected symbol shape "
              + dataset.symbolShape()
              + " = "
              + dataset.symbolCount()
              + " values"
              + (records == 1 ? "" : " per record"));
    }
  }
}
