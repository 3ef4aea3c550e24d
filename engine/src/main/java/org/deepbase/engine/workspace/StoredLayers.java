package org.deepbase.engine.workspace;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Supplier;
import org.deepbase.engine.catalog.Json;
import org.deepbase.engine.catalog.LayerInfo;
import org.deepbase.engine.catalog.ModelDescriptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The layers a TorchScript checkpoint's probe forward discovered, kept in the workspace's cache
 * ({@code cache/layers/}) under a hash of the model's descriptor and the checkpoint file's path,
 * size and modification time (the key the in-memory cache uses). A new process then plans a query
 * over that checkpoint without loading PyTorch or running the probe, which a from-cache inspection
 * never needs otherwise. Only a cache: an entry that cannot be read or written is ignored and the
 * probe runs.
 */
final class StoredLayers {
  private static final Logger LOG = LoggerFactory.getLogger(StoredLayers.class);

  private final Path dir;

  StoredLayers(Path dir) {
    this.dir = dir;
  }

  /** Returns the stored layers of a checkpoint version, or probes and stores them. */
  List<LayerInfo> get(
      ModelDescriptor model,
      Path checkpoint,
      long modified,
      long size,
      Supplier<List<LayerInfo>> probe) {
    Path entry = dir.resolve(key(model, checkpoint, modified, size) + ".json");
    if (Files.isRegularFile(entry)) {
      try {
        return List.of(Json.read(entry, LayerInfo[].class));
      } catch (RuntimeException e) {
        LOG.warn("ignoring unreadable stored layers {}: {}", entry, e.toString());
      }
    }
    List<LayerInfo> layers = probe.get();
    store(entry, layers);
    return layers;
  }

  /** Writes an entry whole or not at all (a temporary file moved into place). */
  private void store(Path entry, List<LayerInfo> layers) {
    Path temporary = null;
    try {
      Files.createDirectories(dir);
      temporary = Files.createTempFile(dir, entry.getFileName().toString(), ".tmp");
      Json.write(temporary, layers);
      Files.move(
          temporary, entry, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot store layers in {}: {}", dir, e.toString());
      if (temporary != null) {
        temporary.toFile().delete();
      }
    }
  }

  private static String key(ModelDescriptor model, Path checkpoint, long modified, long size) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      // The format's version first: entries of another layout are never misread.
      String identity =
          "layers-v1|"
              + model
              + "|"
              + checkpoint.toAbsolutePath().normalize()
              + "|"
              + modified
              + "|"
              + size;
      return HexFormat.of()
          .formatHex(digest.digest(identity.getBytes(StandardCharsets.UTF_8)))
          .substring(0, 32);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
