package org.deepbase.engine.exec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.catalog.Checkpoint;
import org.deepbase.engine.catalog.DatasetDescriptor;
import org.deepbase.engine.catalog.LayerInfo;
import org.deepbase.engine.catalog.ModelDescriptor;
import org.deepbase.engine.extract.LayerRequest;
import org.deepbase.engine.plan.ModelTarget;
import org.deepbase.engine.plan.UnitTarget;
import org.deepbase.engine.workspace.Workspace;

/**
 * Resolves an inspection's typed targets against the catalog: checkpoints that exist, layers and
 * units in range (failing with the name of what is wrong).
 */
public final class Targets {
  private Targets() {}

  /** Returns the checkpoints the model targets name, in the order given. */
  public static List<Checkpoint> checkpoints(Workspace workspace, List<ModelTarget> models) {
    List<Checkpoint> out = new ArrayList<>();
    for (ModelTarget target : models) {
      String name = target.model();
      workspace.model(name);
      switch (target.checkpoints()) {
        case LATEST -> out.add(workspace.latestCheckpoint(name));
        case ALL -> out.addAll(workspace.checkpoints(name));
        case ONE -> out.add(workspace.checkpoint(name, target.checkpoint()));
      }
    }
    return out;
  }

  /**
   * Returns the layer requests of unit targets for one model, each layer once, units in the order
   * given.
   */
  public static List<LayerRequest> layers(
      Workspace workspace, ModelDescriptor model, List<UnitTarget> units) {
    Map<LayerInfo, List<Integer>> chosen = new LinkedHashMap<>();
    for (UnitTarget target : units) {
      if (target.layer() == null) {
        workspace.layers(model).forEach(l -> chosen.put(l, all(l)));
        continue;
      }
      LayerInfo layer = workspace.layer(model, target.layer());
      if (target.allUnits()) {
        chosen.put(layer, all(layer));
      } else {
        int u = target.unit();
        checkUnit(model, layer, u);
        List<Integer> list = chosen.computeIfAbsent(layer, l -> new ArrayList<>());
        if (!list.contains(u)) {
          list.add(u);
        }
      }
    }
    List<LayerRequest> requests = new ArrayList<>();
    chosen.forEach(
        (layer, list) ->
            requests.add(new LayerRequest(layer, list.stream().mapToInt(i -> i).toArray())));
    return requests;
  }

  private static List<Integer> all(LayerInfo layer) {
    return new ArrayList<>(IntStream.range(0, layer.unitCount()).boxed().toList());
  }

  /** Fails naming the layer's unit range when {@code unit} is not one of its units. */
  public static void checkUnit(ModelDescriptor model, LayerInfo layer, int unit) {
    if (unit < 0 || unit >= layer.unitCount()) {
      throw new DeepBaseException(
          ErrorCode.UNIT_OUT_OF_RANGE,
          "unit "
              + unit
              + " is out of range for layer '"
              + layer.name()
              + "' of model '"
              + model.name()
              + "', which has "
              + layer.unitCount()
              + " units (0.."
              + (layer.unitCount() - 1)
              + ")");
    }
  }

  /** Fails naming both shapes when the model cannot take the dataset's inputs. */
  public static void checkInputs(ModelDescriptor model, DatasetDescriptor dataset) {
    if (!model.inputShape().equals(dataset.inputShape())) {
      throw new DeepBaseException(
          ErrorCode.SHAPE_MISMATCH,
          "dataset '"
              + dataset.name()
              + "' has input shape "
              + dataset.inputShape()
              + " but model '"
              + model.name()
              + "' expects "
              + model.inputShape());
    }
  }
}
