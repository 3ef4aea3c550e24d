package org.deepbase.sql.schema;

import java.util.List;
import java.util.function.IntPredicate;
import org.deepbase.engine.catalog.DatasetDescriptor;
import org.deepbase.engine.hypothesis.Hypothesis;

/**
 * One dataset's annotation work: the hypotheses to evaluate on the selected records.
 *
 * @param dataset the dataset
 * @param hypotheses the hypotheses
 * @param records which record ids to read
 */
record AnnotationStep(
    DatasetDescriptor dataset, List<Hypothesis> hypotheses, IntPredicate records) {}
