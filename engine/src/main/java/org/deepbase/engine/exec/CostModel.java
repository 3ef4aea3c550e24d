package org.deepbase.engine.exec;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;
import org.deepbase.engine.workspace.Workspace;

/**
 * Costs measured on this workspace and kept in {@code stats/costs.json}: nanoseconds per record of
 * a model's forward pass through the tapped layers (keyed by model and deepest layer), and the
 * behavior cache's read throughput. The planner compares them to decide whether reading cached
 * behaviors pays; each run refines them (exponential moving average).
 */
public final class CostModel {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final double WEIGHT = 0.5;

  /** Assumed until measured: reading cached Arrow files at 300 MB/s. */
  static final double DEFAULT_READ_BYTES_PER_SECOND = 300e6;

  private final Path file;

  public CostModel(Workspace workspace) {
    this.file = workspace.root().resolve("stats").resolve("costs.json");
  }

  private synchronized Map<String, Double> read() {
    if (!Files.isRegularFile(file)) {
      return new TreeMap<>();
    }
    try {
      return new TreeMap<>(
          JSON.readValue(file.toFile(), new TypeReference<Map<String, Double>>() {}));
    } catch (IOException e) {
      return new TreeMap<>(); // a damaged stats file only costs a re-measurement
    }
  }

  private synchronized void update(String key, double value) {
    Map<String, Double> costs = read();
    Double old = costs.get(key);
    costs.put(key, old == null ? value : WEIGHT * value + (1 - WEIGHT) * old);
    try {
      Files.createDirectories(file.getParent());
      Path temporary = Files.createTempFile(file.getParent(), "costs", ".tmp");
      JSON.writeValue(temporary.toFile(), costs);
      Files.move(
          temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      // Costs are advisory: failing to store one must not fail the query.
    }
  }

  /** Records a measured forward cost. */
  public void recordForward(String modelAndLayer, long records, long nanos) {
    if (records > 0) {
      update("forward:" + modelAndLayer, (double) nanos / records);
    }
  }

  /** Records a measured cache read. */
  public void recordCacheRead(long bytes, long nanos) {
    if (nanos > 0 && bytes > 0) {
      update("cache:bytesPerSecond", bytes * 1e9 / nanos);
    }
  }

  /** Returns nanoseconds per record of a forward pass, or NaN when never measured. */
  public double forwardNanosPerRecord(String modelAndLayer) {
    Double v = read().get("forward:" + modelAndLayer);
    return v == null ? Double.NaN : v;
  }

  /** Returns the cache read throughput in bytes per second. */
  public double cacheBytesPerSecond() {
    Double v = read().get("cache:bytesPerSecond");
    return v == null ? DEFAULT_READ_BYTES_PER_SECOND : v;
  }

  /**
   * Decides whether to read {@code bytes} of cached behaviors instead of running the model over
   * {@code records} records: yes when reading is estimated cheaper, or when the forward cost was
   * never measured (a valid cache entry exists because the model ran before on this data).
   */
  public boolean readingPays(String modelAndLayer, long records, long bytes) {
    double forward = forwardNanosPerRecord(modelAndLayer);
    if (Double.isNaN(forward)) {
      return true;
    }
    double readNanos = bytes * 1e9 / cacheBytesPerSecond();
    return readNanos < forward * records;
  }
}
