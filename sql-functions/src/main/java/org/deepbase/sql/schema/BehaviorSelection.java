package org.deepbase.sql.schema;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.deepbase.engine.catalog.Checkpoint;
import org.deepbase.engine.catalog.DatasetDescriptor;
import org.deepbase.engine.catalog.LayerInfo;
import org.deepbase.engine.catalog.ModelDescriptor;
import org.deepbase.engine.exec.Targets;
import org.deepbase.engine.extract.LayerRequest;
import org.deepbase.engine.workspace.Workspace;

/**
 * Turns the predicates pushed into a {@code behaviors} scan into extraction steps, checking that
 * every model, checkpoint, layer, unit and dataset named explicitly exists.
 *
 * <p>Unfiltered columns mean "all": every model, every checkpoint (relational semantics; INSPECT
 * defaults to the latest), every layer and unit, and every dataset whose input shape fits.
 */
public final class BehaviorSelection {
  private BehaviorSelection() {}

  /** Plans the steps, failing on explicitly named objects that do not exist. */
  public static List<ExtractionStep> plan(
      Workspace workspace,
      ColumnFilter models,
      ColumnFilter checkpoints,
      ColumnFilter layers,
      ColumnFilter units,
      ColumnFilter datasets,
      ColumnFilter records) {
    Map<String, ModelDescriptor> allModels = workspace.models();
    if (models.strings() != null) {
      models.strings().forEach(workspace::model);
    }
    if (datasets.strings() != null) {
      datasets.strings().forEach(workspace::dataset);
    }
    List<ExtractionStep> steps = new ArrayList<>();
    for (ModelDescriptor model : allModels.values()) {
      if (!models.allows(model.name())) {
        continue;
      }
      List<LayerRequest> requests = layerRequests(workspace, model, layers, units);
      if (requests.isEmpty()) {
        continue;
      }
      for (Checkpoint checkpoint : checkpoints(workspace, model, checkpoints, models)) {
        for (DatasetDescriptor dataset : workspace.datasets().values()) {
          if (datasets.allows(dataset.name()) && dataset.inputShape().equals(model.inputShape())) {
            steps.add(
                new ExtractionStep(model, checkpoint, dataset, requests, records.asIntPredicate()));
          } else if (datasets.strings() != null && datasets.allows(dataset.name())) {
            Targets.checkInputs(model, dataset);
          }
        }
      }
    }
    return steps;
  }

  private static List<Checkpoint> checkpoints(
      Workspace workspace, ModelDescriptor model, ColumnFilter checkpoints, ColumnFilter models) {
    Set<Integer> points = checkpoints.points();
    if (points != null && models.strings() != null && models.strings().size() == 1) {
      // A pinned model and checkpoint must exist together: a typo should not return nothing.
      return points.stream().map(epoch -> workspace.checkpoint(model.name(), epoch)).toList();
    }
    return workspace.checkpoints(model.name()).stream()
        .filter(c -> checkpoints.allows(c.epoch()))
        .toList();
  }

  private static List<LayerRequest> layerRequests(
      Workspace workspace, ModelDescriptor model, ColumnFilter layers, ColumnFilter units) {
    List<LayerInfo> chosen = new ArrayList<>();
    if (layers.strings() != null) {
      for (String name : layers.strings()) {
        chosen.add(workspace.layer(model, name));
      }
    } else {
      chosen.addAll(workspace.layers(model));
    }
    Set<Integer> unitPoints = units.points();
    List<LayerRequest> requests = new ArrayList<>();
    for (LayerInfo layer : chosen) {
      if (unitPoints != null && layers.strings() != null) {
        for (int u : unitPoints) {
          Targets.checkUnit(model, layer, u);
        }
      }
      int[] selected = IntStream.range(0, layer.unitCount()).filter(units::allows).toArray();
      if (selected.length > 0) {
        requests.add(new LayerRequest(layer, selected));
      }
    }
    return requests;
  }
}
