package org.deepbase.engine.workspace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.catalog.DatasetDescriptor;
import org.deepbase.engine.catalog.Json;
import org.deepbase.engine.data.DatasetFiles;

/**
 * Registers a data file (.npz, .npy, Arrow IPC, CSV) as a workspace dataset: the file is linked (or
 * copied, across file systems) into {@code datasets/<name>/}, an optional dataset.json records what
 * cannot be inferred, and the result is read back through the catalog. On any error the new
 * directory is removed and the source file is untouched.
 */
public final class DatasetRegistration {
  private DatasetRegistration() {}

  /**
   * Registers the file at {@code path} as dataset {@code name}; the path must lie in the workspace
   * or one of its {@link DataRoots}.
   *
   * @param domain hypothesis domain (null: generic)
   * @param symbolShape symbol shape (null: inferred, see {@link DatasetFiles#complete})
   */
  public static DatasetDescriptor register(
      Workspace workspace, String name, String path, String domain, List<Integer> symbolShape) {
    if (name == null || !name.matches("[A-Za-z_][A-Za-z0-9_]{0,127}")) {
      throw new DeepBaseException(
          ErrorCode.BAD_ARGUMENT,
          "dataset name '" + name + "' must be a SQL identifier (letters, digits, _)");
    }
    if (workspace.datasets().containsKey(name) || Files.exists(workspace.datasetDir(name))) {
      throw new DeepBaseException(
          ErrorCode.BAD_ARGUMENT,
          "dataset '"
              + name
              + "' already exists in "
              + workspace.datasetDir(name)
              + "; pick another name or remove it first");
    }
    Path source = DataRoots.of(workspace).confine(path);
    Path dir = workspace.datasetDir(name);
    try {
      Files.createDirectories(dir);
      Path target = dir.resolve(source.getFileName());
      try {
        Files.createLink(target, source);
      } catch (IOException | UnsupportedOperationException e) {
        Files.copy(source, target); // another file system: a hard link is impossible
      }
      if (domain != null || symbolShape != null) {
        Json.write(
            dir.resolve(DatasetDescriptor.FILE_NAME),
            new DatasetDescriptor(
                name,
                domain,
                0,
                null,
                symbolShape,
                source.getFileName().toString(),
                null,
                null,
                null));
      }
      return workspace.dataset(name);
    } catch (IOException | RuntimeException e) {
      removeQuietly(dir);
      if (e instanceof DeepBaseException d && d.code() == ErrorCode.BAD_WORKSPACE) {
        // The file the user named is what cannot be read: bad input, not a broken workspace.
        throw new DeepBaseException(
            ErrorCode.BAD_DATA,
            "cannot read " + source + " as dataset '" + name + "': " + d.getMessage(),
            d);
      }
      if (e instanceof DeepBaseException d) {
        throw d;
      }
      throw new DeepBaseException(
          ErrorCode.BAD_WORKSPACE,
          "cannot register " + source + " as dataset '" + name + "': " + e.getMessage(),
          e);
    }
  }

  private static void removeQuietly(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException ignored) {
      // best effort: the directory was ours and is not listed as a dataset without a data file
    }
  }
}
