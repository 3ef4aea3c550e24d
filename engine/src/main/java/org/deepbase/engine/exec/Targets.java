package org.deepbase.engine.exec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.catalog.Checkpoint;
import org.deepbase.engine.catalog.LayerInfo;
import org.deepbase.engine.catalog.ModelDescriptor;
import org.deepbase.engine.catalog.Workspace;
import org.deepbase.engine.extract.LayerRequest;

/**
 * Parses INSPECT's {@code models} and {@code units} arguments against the catalog.
 *
 * <p>models: comma-separated {@code name} (latest checkpoint), {@code name@N} (checkpoint N) or
 * {@code name@*} (every checkpoint). units: comma-separated {@code layer.*} (every unit of a
 * layer) or {@code layer.N}; {@code *} alone means every unit of every layer.
 */
public final class Targets {
  private Targets() {
  }

  /** Returns the checkpoints named by a models argument, in the order given. */
  public static List<Checkpoint> checkpoints(Workspace workspace, String models) {
    List<Checkpoint> out = new ArrayList<>();
    for (String item : split(models, "models")) {
      int at = item.indexOf('@');
      String name = at < 0 ? item : item.substring(0, at);
      workspace.model(name);
      if (at < 0) {
        out.add(workspace.latestCheckpoint(name));
      } else if (item.substring(at + 1).equals("*")) {
        out.addAll(workspace.checkpoints(name));
      } else {
        out.add(workspace.checkpoint(name, parseInt(item.substring(at + 1), "checkpoint in '" + item + "'")));
      }
    }
    return out;
  }

  /** Returns the layer requests of a units argument for one model, deepest layers included once. */
  public static List<LayerRequest> layers(Workspace workspace, ModelDescriptor model, String units) {
    Map<LayerInfo, List<Integer>> chosen = new LinkedHashMap<>();
    for (String item : split(units, "units")) {
      if (item.equals("*")) {
        workspace.layers(model).forEach(l -> chosen.put(l, all(l)));
        continue;
      }
      int dot = item.lastIndexOf('.');
      if (dot <= 0) {
        throw new DeepBaseException(ErrorCode.BAD_ARGUMENT, "units item '" + item
            + "' must be layer.* or layer.N (e.g. 'conv1.*,conv2.14')");
      }
      LayerInfo layer = workspace.layer(model, item.substring(0, dot));
      String unit = item.substring(dot + 1);
      if (unit.equals("*")) {
        chosen.put(layer, all(layer));
      } else {
        int u = parseInt(unit, "unit in '" + item + "'");
        if (u < 0 || u >= layer.unitCount()) {
          throw new DeepBaseException(ErrorCode.UNIT_OUT_OF_RANGE, "unit " + u + " is out of range for layer '"
              + layer.name() + "' of model '" + model.name() + "', which has " + layer.unitCount() + " units (0.."
              + (layer.unitCount() - 1) + ")");
        }
        List<Integer> list = chosen.computeIfAbsent(layer, l -> new ArrayList<>());
        if (!list.contains(u)) {
          list.add(u);
        }
      }
    }
    List<LayerRequest> requests = new ArrayList<>();
    chosen.forEach((layer, list) -> requests.add(new LayerRequest(layer, list.stream().mapToInt(i -> i).toArray())));
    return requests;
  }

  private static List<Integer> all(LayerInfo layer) {
    return new ArrayList<>(IntStream.range(0, layer.unitCount()).boxed().toList());
  }

  /** Splits a comma-separated argument, failing on an empty one. */
  public static List<String> split(String value, String argument) {
    List<String> items = new ArrayList<>();
    if (value != null) {
      for (String part : value.split(",")) {
        if (!part.isBlank()) {
          items.add(part.trim());
        }
      }
    }
    if (items.isEmpty()) {
      throw new DeepBaseException(ErrorCode.BAD_ARGUMENT, "INSPECT needs a non-empty '" + argument + "' argument");
    }
    return items;
  }

  private static int parseInt(String text, String what) {
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new DeepBaseException(ErrorCode.BAD_ARGUMENT, "bad " + what + ": '" + text + "' is not a number");
    }
  }
}
