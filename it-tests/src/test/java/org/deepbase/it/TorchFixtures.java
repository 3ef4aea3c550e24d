package org.deepbase.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.deepbase.engine.data.DatasetFiles;
import org.deepbase.engine.data.Npy;

/**
 * The committed TorchScript fixtures (made by tools/fixtures/make_torch_fixtures.py and
 * make_pacman_fixture.sh) and their references, read without Python.
 */
final class TorchFixtures {
  private TorchFixtures() {
  }

  /** Returns the fixture directory on the test class path. */
  static Path root() {
    try {
      return Path.of(TorchFixtures.class.getResource("/torch").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Copies a fixture directory (e.g. {@code models/planted_cnn}) into a workspace. */
  static void install(Path workspace, String relative) {
    Path from = root().resolve(relative);
    Path to = workspace.resolve(relative.startsWith("pacman/") ? relative.substring("pacman/".length()) : relative);
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

  /** Reads every array of reference.npz as float32 (converted in {@code scratch}), by name. */
  static Map<String, float[]> references(Path scratch) throws IOException {
    Path npz = root().resolve("reference.npz");
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
