package org.deepbase.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.catalog.Checkpoint;
import org.deepbase.engine.exec.AccumulatorGrid;
import org.deepbase.engine.exec.ShardScan;
import org.deepbase.engine.plan.InspectionRequest;
import org.deepbase.engine.workspace.Workspace;

/** What one Spark task does: scan one shard with a model from this executor's pool. */
final class ShardTask {
  /** Test hook: a task that deletes this file first fails once (a transient failure). */
  static final String FAIL_ONCE = "deepbase.spark.inject.failOnceFile";

  /** Test hook: tasks behave as if the checkpoint file were missing on the executor. */
  static final String MISSING_CHECKPOINT = "deepbase.spark.inject.missingCheckpoint";

  private ShardTask() {}

  static AccumulatorGrid scan(
      String root,
      InspectionRequest request,
      ShardScan.Shard shard,
      @Nullable AccumulatorGrid secondPass) {
    injectFailures(shard);
    Workspace workspace = new Workspace(Path.of(root));
    Checkpoint checkpoint = ShardScan.checkpoint(workspace, shard);
    try (ExecutorModels.Lease model =
        ExecutorModels.borrow(workspace.model(shard.model()), checkpoint)) {
      return ShardScan.scan(workspace, request, shard, model.get(), secondPass);
    }
  }

  private static void injectFailures(ShardScan.Shard shard) {
    if (Boolean.getBoolean(MISSING_CHECKPOINT)) {
      throw new DeepBaseException(
          ErrorCode.MODEL_LOAD_FAILED,
          "checkpoint "
              + shard.checkpoint()
              + " of model '"
              + shard.model()
              + "' is missing on this executor (injected); executors must see the workspace at the"
              + " same path (shared file system) or get the files with SparkContext.addFile");
    }
    String marker = System.getProperty(FAIL_ONCE);
    if (marker != null) {
      try {
        Files.delete(Path.of(marker));
      } catch (NoSuchFileException e) {
        return; // another attempt already failed: behave
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      throw new IllegalStateException("transient failure injected once (" + marker + ")");
    }
  }
}
