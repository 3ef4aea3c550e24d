package org.deepbase.engine.catalog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.nn.Architecture;

/**
 * Reads the catalog of a workspace directory: {@code models/<model>/} (model.json plus DJL
 * parameter files {@code <model>-NNNN.params}, one per checkpoint) and {@code datasets/<name>/}.
 *
 * <p>The directory is the source of truth and is re-read on every call, so models a user drops in
 * are visible to the next query; only layer shapes (which need a DJL block) are cached.
 */
public final class Workspace {
  private static final Map<ModelDescriptor, List<LayerInfo>> LAYER_CACHE = new ConcurrentHashMap<>();

  private final Path root;
  private final List<org.deepbase.engine.hypothesis.HypothesisSource> hypothesisSources =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  public Workspace(Path root) {
    this.root = Objects.requireNonNull(root, "root is null").toAbsolutePath().normalize();
  }

  public Path root() {
    return root;
  }

  public Path modelsDir() {
    return root.resolve("models");
  }

  public Path datasetsDir() {
    return root.resolve("datasets");
  }

  /** Returns the directory of a model. */
  public Path modelDir(String model) {
    return modelsDir().resolve(model);
  }

  /** Returns the directory of a dataset. */
  public Path datasetDir(String dataset) {
    return datasetsDir().resolve(dataset);
  }

  /** Lists every model, by name. */
  public Map<String, ModelDescriptor> models() {
    return descriptors(modelsDir(), ModelDescriptor.FILE_NAME, ModelDescriptor.class, ModelDescriptor::name);
  }

  /** Returns a model, or fails naming the known ones. */
  public ModelDescriptor model(String name) {
    ModelDescriptor model = models().get(name);
    if (model == null) {
      throw new DeepBaseException(ErrorCode.UNKNOWN_MODEL,
          "unknown model '" + name + "'; known models: " + models().keySet());
    }
    return model;
  }

  /** Lists a model's checkpoints in epoch order. */
  public List<Checkpoint> checkpoints(String model) {
    Pattern pattern = Pattern.compile(Pattern.quote(model) + "-(\\d{4,})\\.params");
    List<Checkpoint> checkpoints = new ArrayList<>();
    for (Path file : files(modelDir(model))) {
      Matcher m = pattern.matcher(file.getFileName().toString());
      if (m.matches()) {
        checkpoints.add(new Checkpoint(model, Integer.parseInt(m.group(1)), file));
      }
    }
    checkpoints.sort(Comparator.comparingInt(Checkpoint::epoch));
    return checkpoints;
  }

  /** Returns one checkpoint, or fails naming the available epochs. */
  public Checkpoint checkpoint(String model, int epoch) {
    List<Checkpoint> all = checkpoints(model);
    return all.stream().filter(c -> c.epoch() == epoch).findFirst().orElseThrow(() ->
        new DeepBaseException(ErrorCode.UNKNOWN_CHECKPOINT, "model '" + model + "' has no checkpoint "
            + epoch + "; available: " + all.stream().map(Checkpoint::epoch).toList()));
  }

  /** Returns the latest checkpoint of a model. */
  public Checkpoint latestCheckpoint(String model) {
    List<Checkpoint> all = checkpoints(model);
    if (all.isEmpty()) {
      throw new DeepBaseException(ErrorCode.UNKNOWN_CHECKPOINT, "model '" + model + "' has no checkpoints in "
          + modelDir(model));
    }
    return all.get(all.size() - 1);
  }

  /** Returns a model's layers with their output shapes. */
  public List<LayerInfo> layers(ModelDescriptor model) {
    return LAYER_CACHE.computeIfAbsent(model, Architecture::describeLayers);
  }

  /** Returns one layer of a model, or fails naming the model's layers. */
  public LayerInfo layer(ModelDescriptor model, String name) {
    List<LayerInfo> layers = layers(model);
    return layers.stream().filter(l -> l.name().equals(name)).findFirst().orElseThrow(() ->
        new DeepBaseException(ErrorCode.UNKNOWN_LAYER, "model '" + model.name() + "' has no layer '" + name
            + "'; its layers: " + layers.stream().map(LayerInfo::name).toList()));
  }

  /** Adds hypotheses kept in the workspace (annotation tables) to those of the class path. */
  public void addHypothesisSource(org.deepbase.engine.hypothesis.HypothesisSource source) {
    hypothesisSources.add(source);
  }

  /** Returns every hypothesis that applies to a dataset, by name. */
  public Map<String, org.deepbase.engine.hypothesis.Hypothesis> hypotheses(DatasetDescriptor dataset) {
    Map<String, org.deepbase.engine.hypothesis.Hypothesis> all =
        new TreeMap<>(org.deepbase.engine.hypothesis.Hypotheses.forDataset(dataset));
    for (org.deepbase.engine.hypothesis.HypothesisSource source : hypothesisSources) {
      source.forDataset(dataset).forEach(all::putIfAbsent);
    }
    return all;
  }

  /** Returns one hypothesis of a dataset, or fails naming those available. */
  public org.deepbase.engine.hypothesis.Hypothesis hypothesis(DatasetDescriptor dataset, String name) {
    Map<String, org.deepbase.engine.hypothesis.Hypothesis> available = hypotheses(dataset);
    org.deepbase.engine.hypothesis.Hypothesis h = available.get(name);
    if (h == null) {
      throw new DeepBaseException(ErrorCode.UNKNOWN_HYPOTHESIS, "unknown hypothesis '" + name
          + "' for dataset '" + dataset.name() + "' (domain " + dataset.domain() + "); available: "
          + available.keySet());
    }
    return h;
  }

  /** Lists every dataset, by name. */
  public Map<String, DatasetDescriptor> datasets() {
    return descriptors(datasetsDir(), DatasetDescriptor.FILE_NAME, DatasetDescriptor.class, DatasetDescriptor::name);
  }

  /** Returns a dataset, or fails naming the known ones. */
  public DatasetDescriptor dataset(String name) {
    DatasetDescriptor dataset = datasets().get(name);
    if (dataset == null) {
      throw new DeepBaseException(ErrorCode.UNKNOWN_DATASET,
          "unknown dataset '" + name + "'; known datasets: " + datasets().keySet());
    }
    return dataset;
  }

  /** Reads the descriptor file of every subdirectory that has one, keyed by the name it declares. */
  private static <T> Map<String, T> descriptors(Path parent, String fileName, Class<T> type,
      java.util.function.Function<T, String> name) {
    Map<String, T> byName = new TreeMap<>();
    for (Path dir : subdirectories(parent)) {
      Path file = dir.resolve(fileName);
      if (Files.isRegularFile(file)) {
        T descriptor = Json.read(file, type);
        byName.put(name.apply(descriptor), descriptor);
      }
    }
    return byName;
  }

  private static List<Path> subdirectories(Path dir) {
    return list(dir).stream().filter(Files::isDirectory).toList();
  }

  private static List<Path> files(Path dir) {
    return list(dir).stream().filter(Files::isRegularFile).toList();
  }

  private static List<Path> list(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> stream = Files.list(dir)) {
      return stream.sorted().collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
