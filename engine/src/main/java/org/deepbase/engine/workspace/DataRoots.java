package org.deepbase.engine.workspace;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.catalog.Json;

/**
 * Where files named in SQL may come from: the workspace itself and the directories an administrator
 * lists in {@code <workspace>/settings.json} as {@code "data_roots": ["/data/shared", ...]}. Paths
 * are resolved (symbolic links and {@code ..} included) before they are compared, and a path
 * outside every root gets the same error whether or not it exists, so SQL cannot probe the server's
 * files.
 */
public final class DataRoots {
  static final String SETTINGS_FILE = "settings.json";

  private final List<Path> roots;

  private DataRoots(List<Path> roots) {
    this.roots = List.copyOf(roots);
  }

  /** The settings a workspace's administrator writes; unknown keys are ignored. */
  record Settings(@JsonProperty("data_roots") List<String> dataRoots) {}

  /** Returns the roots of a workspace: itself plus the listed ones that exist. */
  public static DataRoots of(Workspace workspace) {
    List<Path> roots = new ArrayList<>();
    roots.add(real(workspace.root()));
    Path settings = workspace.root().resolve(SETTINGS_FILE);
    if (Files.isRegularFile(settings)) {
      Settings read = Json.read(settings, Settings.class);
      for (String root : read.dataRoots() == null ? List.<String>of() : read.dataRoots()) {
        Path path = Path.of(root);
        if (path.isAbsolute() && Files.isDirectory(path)) {
          roots.add(real(path));
        }
      }
    }
    return new DataRoots(roots);
  }

  private static Path real(Path path) {
    try {
      return path.toRealPath();
    } catch (IOException e) {
      return path.toAbsolutePath().normalize();
    }
  }

  /** Returns the real path of a file named in SQL, or fails if it is not a file inside a root. */
  public Path confine(String path) {
    Path given;
    try {
      given = Path.of(path).toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      throw outside(path);
    }
    if (!inside(given)) {
      throw outside(path);
    }
    Path resolved;
    try {
      resolved = given.toRealPath();
    } catch (IOException e) {
      throw new DeepBaseException(ErrorCode.BAD_ARGUMENT, "no file at " + path);
    }
    if (!inside(resolved)) {
      throw outside(path); // a symbolic link out of the roots
    }
    if (!Files.isRegularFile(resolved)) {
      throw new DeepBaseException(ErrorCode.BAD_ARGUMENT, "no file at " + path);
    }
    return resolved;
  }

  private boolean inside(Path path) {
    return roots.stream().anyMatch(path::startsWith);
  }

  private static DeepBaseException outside(String path) {
    return new DeepBaseException(
        ErrorCode.PERMISSION_DENIED,
        "permission denied: '"
            + path
            + "' is outside the "
            + "workspace and the data roots its administrator allows (settings.json, \"data_roots\")");
  }
}
