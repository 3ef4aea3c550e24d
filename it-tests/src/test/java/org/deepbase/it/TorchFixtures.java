package org.deepbase.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.deepbase.engine.catalog.DatasetDescriptor;
import org.deepbase.engine.catalog.LayerInfo;
import org.deepbase.engine.catalog.ModelDescriptor;
import org.deepbase.engine.data.Allocators;
import org.deepbase.engine.data.DatasetFiles;
import org.deepbase.engine.data.DatasetReader;
import org.deepbase.engine.data.Npy;
import org.deepbase.engine.data.RecordBatch;
import org.deepbase.engine.extract.BehaviorBatch;
import org.deepbase.engine.extract.BehaviorKind;
import org.deepbase.engine.extract.Extractor;
import org.deepbase.engine.extract.LayerRequest;
import org.deepbase.engine.nn.LoadedModel;
import org.deepbase.engine.workspace.Workspace;

/**
 * The committed TorchScript fixtures (made by tools/fixtures/make_torch_fixtures.py,
 * make_lstm_fixture.py and make_pacman_fixture.sh) and their references, read without Python.
 */
final class TorchFixtures {
  private TorchFixtures() {}

  /** Returns the fixture directory on the test class path. */
  static Path root() {
    try {
      return Path.of(TorchFixtures.class.getResource("/torch").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Copies fixture directories (e.g. {@code models/planted_cnn}) into a workspace. */
  static void install(Path workspace, String... relatives) {
    for (String relative : relatives) {
      installOne(workspace, relative);
    }
  }

  private static void installOne(Path workspace, String relative) {
    Path from = root().resolve(relative);
    // Workloads with a directory of their own (pacman/, resnet/, sequence/) hold workspace pieces
    // below it.
    Path to =
        workspace.resolve(
            relative.startsWith("pacman/")
                    || relative.startsWith("resnet/")
                    || relative.startsWith("sequence/")
                ? relative.substring(relative.indexOf('/') + 1)
                : relative);
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : files.toList()) {
        Path target = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Returns [N, units, symbols] behaviors of every unit of a fixture layer over its whole dataset
   * (planted_cnn on shapes, seq_model on brackets, lstm_model on lstm_seqs), through the extractor.
   */
  static float[] behaviors(Workspace workspace, String model, String layer, BehaviorKind kind) {
    ModelDescriptor descriptor = workspace.model(model);
    DatasetDescriptor dataset =
        workspace.dataset(
            switch (model) {
              case "planted_cnn" -> "shapes";
              case "lstm_model" -> "lstm_seqs";
              default -> "brackets";
            });
    LayerInfo info = workspace.layer(descriptor, layer);
    int[] units = IntStream.range(0, info.unitCount()).toArray();
    try (LoadedModel loaded = LoadedModel.load(descriptor, workspace.latestCheckpoint(model));
        DatasetReader reader =
            new DatasetReader(workspace.datasetDir(dataset.name()), dataset, i -> true, 1000);
        BufferAllocator allocator = Allocators.newChild("test")) {
      RecordBatch records = reader.next();
      try (BehaviorBatch batch =
          new Extractor(
                  loaded,
                  List.of(new LayerRequest(info, units)),
                  dataset.symbolShape(),
                  kind,
                  workspace.metrics())
              .extract(records, allocator)
              .get(0)) {
        int n = records.size();
        int symbols = batch.symbols();
        float[] out = new float[n * units.length * symbols];
        for (int u = 0; u < units.length; u++) {
          FloatBuffer values =
              batch
                  .vectors()
                  .get(u)
                  .getDataBuffer()
                  .nioBuffer(0, n * symbols * Float.BYTES)
                  .order(ByteOrder.LITTLE_ENDIAN)
                  .asFloatBuffer();
          for (int r = 0; r < n; r++) {
            values.get(r * symbols, out, (r * units.length + u) * symbols, symbols);
          }
        }
        return out;
      }
    }
  }

  /** Reads every array of reference.npz as float32 (converted in {@code scratch}), by name. */
  static Map<String, float[]> references(Path scratch) throws IOException {
    return references(scratch, "reference.npz");
  }

  /** Reads every array of a reference file of the fixtures as float32, by name. */
  static Map<String, float[]> references(Path scratch, String file) throws IOException {
    Path npz = root().resolve(file);
    Map<String, float[]> out = new TreeMap<>();
    for (String key : DatasetFiles.npzArrays(npz).keySet()) {
      FloatBuffer values = Npy.map(DatasetFiles.npzArray(scratch, npz, key)).data().asFloatBuffer();
      float[] array = new float[values.remaining()];
      values.get(array);
      out.put(key, array);
    }
    return out;
  }
}
