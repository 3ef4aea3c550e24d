package org.deepbase.sql.schema;

import java.util.List;
import java.util.function.IntPredicate;
import org.deepbase.engine.catalog.Checkpoint;
import org.deepbase.engine.catalog.DatasetDescriptor;
import org.deepbase.engine.catalog.ModelDescriptor;
import org.deepbase.engine.extract.LayerRequest;

/**
 * One unit of extraction work: a checkpoint run over a dataset, tapping some layers.
 *
 * @param model the model
 * @param checkpoint the checkpoint to load
 * @param dataset the dataset to stream
 * @param layers the layers and units to deliver
 * @param records which record ids to read
 */
public record ExtractionStep(
    ModelDescriptor model,
    Checkpoint checkpoint,
    DatasetDescriptor dataset,
    List<LayerRequest> layers,
    IntPredicate records) {}
