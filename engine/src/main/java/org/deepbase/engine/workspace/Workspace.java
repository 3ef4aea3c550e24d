package org.deepbase.engine.workspace;

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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.Progress;
import org.deepbase.engine.catalog.Checkpoint;
import org.deepbase.engine.catalog.DatasetDescriptor;
import org.deepbase.engine.catalog.Json;
import org.deepbase.engine.catalog.LayerInfo;
import org.deepbase.engine.catalog.ModelDescriptor;
import org.deepbase.engine.extract.ExtractionMetrics;
import org.deepbase.engine.nn.Architecture;
import org.deepbase.engine.nn.TorchScriptModel;

/**
 * Reads the catalog of a workspace directory: {@code models/<model>/} (model.json plus DJL
 * parameter files {@code <model>-NNNN.params}, one per checkpoint) and {@code datasets/<name>/}.
 *
 * <p>The directory is the source of truth and is re-read on every call, so models a user drops in
 * are visible to the next query; only layer shapes and inferred dataset descriptions are cached
 * ({@link WorkspaceShared}, keyed by the files' sizes and modification times).
 */
public final class Workspace {
  private final Path root;
  private final WorkspaceShared caches;
  private final StoredLayers storedLayers;
  private final ExtractionMetrics metrics;
  private final Progress progress;
  private final List<org.deepbase.engine.hypothesis.HypothesisSource> hypothesisSources =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Opens a workspace with caches and metrics of its own, reporting no progress. */
  public Workspace(Path root) {
    this(root, Progress.SILENT);
  }

  /**
   * Opens a workspace with caches and metrics of its own, reporting long work to {@code progress}.
   */
  public Workspace(Path root, Progress progress) {
    this(root, new WorkspaceShared(), new ExtractionMetrics(), progress);
  }

  /**
   * Opens a workspace whose caches another owner keeps (e.g. a server's, shared by the connections
   * to one workspace), whose extractors count their work in {@code metrics} and whose long work
   * reports to {@code progress}.
   */
  public Workspace(
      Path root, WorkspaceShared caches, ExtractionMetrics metrics, Progress progress) {
    this.root = Objects.requireNonNull(root, "root is null").toAbsolutePath().normalize();
    this.caches = Objects.requireNonNull(caches, "caches is null");
    this.metrics = Objects.requireNonNull(metrics, "metrics is null");
    this.progress = Objects.requireNonNull(progress, "progress is null");
    this.storedLayers = new StoredLayers(this.root.resolve("cache").resolve("layers"));
  }

  /** Returns the admission control of compute-bound work on this workspace. */
  public MemoryGrants memory() {
    return caches.memory();
  }

  /** Returns where long work on this workspace reports its progress. */
  public Progress progress() {
    return progress;
  }

  /** Returns where the extractors of this workspace count their forward passes. */
  public ExtractionMetrics metrics() {
    return metrics;
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
    return modelsDir().resolve(checkName("model", model));
  }

  /** Returns the directory of a dataset. */
  public Path datasetDir(String dataset) {
    return datasetsDir().resolve(checkName("dataset", dataset));
  }

  /**
   * Checks that a model or dataset name is a name, not a path: names come from SQL, and {@code
   * '../../elsewhere'} must not reach a directory outside the workspace.
   */
  public static String checkName(String kind, String name) {
    if (name == null || !VALID_NAME.matcher(name).matches()) {
      throw new DeepBaseException(
          ErrorCode.BAD_ARGUMENT,
          kind
              + " name '"
              + name
              + "' is not a valid name: "
              + "letters, digits, '_', '.' and '-', starting with a letter, digit or '_' (at most 128)");
    }
    return name;
  }

  private static final Pattern VALID_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");

  /** Lists every model, by name. */
  public Map<String, ModelDescriptor> models() {
    return descriptors(
        modelsDir(), ModelDescriptor.FILE_NAME, ModelDescriptor.class, ModelDescriptor::name);
  }

  /** Returns a model, or fails naming the known ones. */
  public ModelDescriptor model(String name) {
    ModelDescriptor model = models().get(name);
    Path descriptor = modelDir(name).resolve(ModelDescriptor.FILE_NAME);
    if (model == null && Files.isRegularFile(descriptor)) {
      // Skipped by the listing: fail with the reason.
      model = Json.read(descriptor, ModelDescriptor.class);
    }
    if (model == null) {
      throw new DeepBaseException(
          ErrorCode.UNKNOWN_MODEL,
          "unknown model '" + name + "'; known models: " + models().keySet());
    }
    return model;
  }

  /** Lists a model's checkpoints in epoch order. */
  public List<Checkpoint> checkpoints(String model) {
    ModelDescriptor descriptor = models().get(model);
    String extension = descriptor == null ? "params" : descriptor.checkpointExtension();
    Pattern pattern = Pattern.compile(Pattern.quote(model) + "-(\\d{4,})\\." + extension);
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
    return all.stream()
        .filter(c -> c.epoch() == epoch)
        .findFirst()
        .orElseThrow(
            () ->
                new DeepBaseException(
                    ErrorCode.UNKNOWN_CHECKPOINT,
                    "model '"
                        + model
                        + "' has no checkpoint "
                        + epoch
                        + "; available: "
                        + all.stream().map(Checkpoint::epoch).toList()));
  }

  /** Returns the latest checkpoint of a model. */
  public Checkpoint latestCheckpoint(String model) {
    List<Checkpoint> all = checkpoints(model);
    if (all.isEmpty()) {
      throw new DeepBaseException(
          ErrorCode.UNKNOWN_CHECKPOINT,
          "model '" + model + "' has no checkpoints in " + modelDir(model));
    }
    return all.get(all.size() - 1);
  }

  /**
   * Returns a model's layers with their output shapes: computed from the descriptor for DJL blocks,
   * and discovered by one probe forward of the latest checkpoint for TorchScript (cached per
   * checkpoint file version).
   */
  public List<LayerInfo> layers(ModelDescriptor model) {
    if (!model.isTorchScript()) {
      return caches.layers(
          new LayerKey(model, null, 0, 0), k -> Architecture.describeLayers(model));
    }
    Checkpoint latest = latestCheckpoint(model.name());
    Path file = latest.path();
    try {
      LayerKey key =
          new LayerKey(model, file, Files.getLastModifiedTime(file).toMillis(), Files.size(file));
      return caches.layers(
          key,
          k ->
              storedLayers.get(
                  model,
                  file,
                  key.modified(),
                  key.size(),
                  () -> TorchScriptModel.describeLayers(model, latest)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Returns a model's layers, or none when the model cannot be read: catalog listings skip a broken
   * model (so one bad file does not hide the others) while a query naming it gets the error.
   */
  public List<LayerInfo> layersIfReadable(ModelDescriptor model) {
    try {
      return layers(model);
    } catch (DeepBaseException e) {
      org.slf4j.LoggerFactory.getLogger(Workspace.class)
          .warn("skipping model {}: {}", model.name(), e.getMessage());
      return List.of();
    }
  }

  private record LayerKey(ModelDescriptor model, Path file, long modified, long size) {}

  /** Returns one layer of a model, or fails naming the model's layers. */
  public LayerInfo layer(ModelDescriptor model, String name) {
    List<LayerInfo> layers = layers(model);
    return layers.stream()
        .filter(l -> l.name().equals(name))
        .findFirst()
        .orElseThrow(
            () ->
                new DeepBaseException(
                    ErrorCode.UNKNOWN_LAYER,
                    "model '"
                        + model.name()
                        + "' has no layer '"
                        + name
                        + "'; its layers: "
                        + layers.stream().map(LayerInfo::name).toList()));
  }

  /** Adds hypotheses kept in the workspace (annotation tables) to those of the class path. */
  public void addHypothesisSource(org.deepbase.engine.hypothesis.HypothesisSource source) {
    hypothesisSources.add(source);
  }

  /** Returns every hypothesis that applies to a dataset, by name. */
  public Map<String, org.deepbase.engine.hypothesis.Hypothesis> hypotheses(
      DatasetDescriptor dataset) {
    Map<String, org.deepbase.engine.hypothesis.Hypothesis> all =
        new TreeMap<>(org.deepbase.engine.hypothesis.Hypotheses.forDataset(dataset));
    org.deepbase.engine.hypothesis.ArrayHypothesis.forDataset(datasetDir(dataset.name()), dataset)
        .forEach(all::putIfAbsent);
    for (org.deepbase.engine.hypothesis.HypothesisSource source : hypothesisSources) {
      source.forDataset(dataset).forEach(all::putIfAbsent);
    }
    return all;
  }

  /** Returns one hypothesis of a dataset, or fails naming those available. */
  public org.deepbase.engine.hypothesis.Hypothesis hypothesis(
      DatasetDescriptor dataset, String name) {
    return org.deepbase.engine.hypothesis.Hypotheses.pick(hypotheses(dataset), dataset, name);
  }

  /**
   * Lists every dataset, by name: directories with a dataset.json (completed from their inputs file
   * where it leaves out record_count or shapes) and directories holding just one data file (.npy,
   * .npz, .arrow, .csv), described from it. A directory that cannot be read is skipped with a
   * warning, so one bad dataset does not hide the others; naming it gets its error.
   */
  public Map<String, DatasetDescriptor> datasets() {
    Map<String, DatasetDescriptor> byName = new TreeMap<>();
    for (Path dir : subdirectories(datasetsDir())) {
      try {
        describeDataset(dir).ifPresent(d -> byName.put(d.name(), d));
      } catch (RuntimeException e) {
        // Any failure (a damaged file's reader may throw more than DeepBase's own errors) hides
        // only this dataset.
        org.slf4j.LoggerFactory.getLogger(Workspace.class)
            .warn("skipping dataset {}: {}", dir.getFileName(), e.getMessage());
      }
    }
    return byName;
  }

  private java.util.Optional<DatasetDescriptor> describeDataset(Path dir) {
    Path file = dir.resolve(DatasetDescriptor.FILE_NAME);
    if (Files.isRegularFile(file)) {
      DatasetDescriptor d = Json.read(file, DatasetDescriptor.class);
      return java.util.Optional.of(
          d.complete()
              ? d
              : caches.dataset(
                  new DatasetKey(dir, stamp(dir), d),
                  k -> org.deepbase.engine.data.DatasetFiles.complete(dir, d)));
    }
    return java.util.Optional.ofNullable(
        caches.dataset(
            new DatasetKey(dir, stamp(dir), null),
            k -> org.deepbase.engine.data.DatasetFiles.infer(dir).orElse(null)));
  }

  /** Identifies a directory's contents cheaply: its files' names, sizes and modification times. */
  private static String stamp(Path dir) {
    StringBuilder stamp = new StringBuilder();
    for (Path f : files(dir)) {
      try {
        stamp
            .append(f.getFileName())
            .append(':')
            .append(Files.size(f))
            .append(':')
            .append(Files.getLastModifiedTime(f).toMillis())
            .append(';');
      } catch (IOException e) {
        stamp.append(f.getFileName()).append(":?;");
      }
    }
    return stamp.toString();
  }

  private record DatasetKey(Path dir, String stamp, DatasetDescriptor declared) {}

  /** Returns a dataset, or fails naming the known ones. */
  public DatasetDescriptor dataset(String name) {
    DatasetDescriptor dataset = datasets().get(name);
    if (dataset == null && Files.isDirectory(datasetDir(name))) {
      dataset = describeDataset(datasetDir(name)).orElse(null); // throws the reason it was skipped
    }
    if (dataset == null) {
      throw new DeepBaseException(
          ErrorCode.UNKNOWN_DATASET,
          "unknown dataset '" + name + "'; known datasets: " + datasets().keySet());
    }
    return dataset;
  }

  /**
   * Reads the descriptor file of every subdirectory that has one, keyed by the name it declares.
   */
  private static <T> Map<String, T> descriptors(
      Path parent, String fileName, Class<T> type, java.util.function.Function<T, String> name) {
    Map<String, T> byName = new TreeMap<>();
    for (Path dir : subdirectories(parent)) {
      Path file = dir.resolve(fileName);
      if (Files.isRegularFile(file)) {
        try {
          T descriptor = Json.read(file, type);
          byName.put(name.apply(descriptor), descriptor);
        } catch (RuntimeException e) {
          // A damaged descriptor hides only its own model (naming it fails with the reason), not
          // every query that lists models.
          org.slf4j.LoggerFactory.getLogger(Workspace.class)
              .warn("skipping {}: {}", dir.getFileName(), e.getMessage());
        }
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
