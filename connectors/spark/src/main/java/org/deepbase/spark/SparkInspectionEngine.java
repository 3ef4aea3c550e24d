package org.deepbase.spark;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.commons.lang3.SerializationUtils;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.catalog.Checkpoint;
import org.deepbase.engine.exec.AccumulatorGrid;
import org.deepbase.engine.exec.InspectionEngine;
import org.deepbase.engine.exec.InspectionRow;
import org.deepbase.engine.exec.ShardScan;
import org.deepbase.engine.exec.Targets;
import org.deepbase.engine.plan.InspectionRequest;
import org.deepbase.engine.workspace.Workspace;
import scala.Tuple2;

/**
 * Runs an inspection as Spark jobs ({@code engine=spark}). Partitions are (checkpoint x record
 * shard); each task scans its shard with the local engine's extractor and accumulators ({@link
 * ShardScan}) and returns a partial {@link AccumulatorGrid}; grids are merged by checkpoint ({@code
 * reduceByKey}) and finished on the driver. Exact dataset-threshold measures take a second stage:
 * the merged first-pass grids (which fix each threshold's histogram bucket) are broadcast, each
 * task collects its shard's values in that bucket, and the driver merges again. Probes are merged
 * (their reservoirs) and trained on the driver per (checkpoint, layer, hypothesis). Only plain
 * values cross the wire: the request, shard ranges and accumulator state.
 *
 * <p>Settings: {@code spark.master} (default {@code local[2]}), {@code spark.deepbase.partitions}
 * (record shards per checkpoint; default the cluster's default parallelism), and any other {@code
 * spark.*} configuration, passed to the session.
 */
public final class SparkInspectionEngine implements InspectionEngine {
  /** Record shards per checkpoint. */
  public static final String PARTITIONS = "spark.deepbase.partitions";

  @Override
  public String name() {
    return "spark";
  }

  @Override
  public List<InspectionRow> run(
      Workspace workspace,
      InspectionRequest request,
      BooleanSupplier cancelled,
      Map<String, String> settings) {
    var dataset = workspace.dataset(request.dataset());
    List<Checkpoint> checkpoints = Targets.checkpoints(workspace, request.models());
    // Resolve every name on the driver: a typo fails here, before any task runs.
    Map<String, ShardScan.Plan> plans = new LinkedHashMap<>();
    for (Checkpoint c : checkpoints) {
      plans.putIfAbsent(c.model(), ShardScan.plan(workspace, request, workspace.model(c.model())));
    }
    int records =
        request.stopping().maxRecords() > 0
            ? Math.min(request.stopping().maxRecords(), dataset.recordCount())
            : dataset.recordCount();
    SparkSession spark = Sessions.get(settings);
    JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int partitions =
        Integer.parseInt(
            settings.getOrDefault(PARTITIONS, String.valueOf(context.defaultParallelism())));
    if (partitions < 1) {
      throw new DeepBaseException(
          ErrorCode.BAD_ARGUMENT, PARTITIONS + " must be >= 1, got " + partitions);
    }
    List<ShardScan.Shard> shards = new ArrayList<>();
    for (Checkpoint c : checkpoints) {
      for (int p = 0; p < partitions; p++) {
        long from = (long) records * p / partitions;
        long to = (long) records * (p + 1) / partitions;
        shards.add(new ShardScan.Shard(c.model(), c.epoch(), (int) from, (int) to));
      }
    }
    String root = workspace.root().toString();
    String group = "deepbase-" + System.nanoTime();
    context.setJobGroup(
        group, "DeepBase inspection of " + request.models() + " on " + dataset.name(), true);
    Thread watchdog = Cancels.watch(context, group, cancelled);
    try {
      Cancels.check(cancelled); // starting the session may have taken the query's time
      Map<String, AccumulatorGrid> merged =
          new LinkedHashMap<>(
              context
                  .parallelize(shards, shards.size())
                  .mapToPair(
                      shard -> new Tuple2<>(key(shard), ShardTask.scan(root, request, shard, null)))
                  .reduceByKey(SparkInspectionEngine::merge, Math.max(1, checkpoints.size()))
                  .collectAsMap());
      // Exact measures may need more passes over the same shards (a threshold, then counts).
      Map<String, AccumulatorGrid> later = startNextPass(merged);
      while (!later.isEmpty()) {
        Cancels.check(cancelled);
        Broadcast<Map<String, AccumulatorGrid>> thresholds = context.broadcast(later);
        Map<String, AccumulatorGrid> inPass = later;
        List<ShardScan.Shard> again =
            shards.stream().filter(s -> inPass.containsKey(key(s))).toList();
        JavaPairRDD<String, AccumulatorGrid> parts =
            context
                .parallelize(again, again.size())
                .mapToPair(
                    shard ->
                        new Tuple2<>(
                            key(shard),
                            ShardTask.scan(
                                root,
                                request,
                                shard,
                                // Tasks of one executor share the broadcast value: each scans into
                                // its own copy.
                                SerializationUtils.clone(thresholds.value().get(key(shard))))));
        parts
            .reduceByKey(SparkInspectionEngine::mergeLaterPass, Math.max(1, later.size()))
            .collectAsMap()
            .forEach((key, part) -> inPass.get(key).mergeLaterPass(part));
        thresholds.destroy();
        later = startNextPass(later);
      }
      Cancels.check(cancelled);
      List<InspectionRow> rows = new ArrayList<>();
      for (Checkpoint c : checkpoints) {
        ShardScan.Plan plan = plans.get(c.model());
        rows.addAll(
            merged
                .get(c.model() + "@" + c.epoch())
                .rows(
                    c.model(),
                    c.epoch(),
                    plan.layers(),
                    plan.hypotheses(),
                    plan.probeMeasures(),
                    records,
                    1.0));
      }
      return rows;
    } catch (Exception e) { // SparkException is checked, yet Scala code throws it undeclared
      throw Failures.explain(e, cancelled);
    } finally {
      watchdog.interrupt();
      context.clearJobGroup();
    }
  }

  private static String key(ShardScan.Shard shard) {
    return shard.model() + "@" + shard.checkpoint();
  }

  private static AccumulatorGrid merge(AccumulatorGrid a, AccumulatorGrid b) {
    a.merge(b);
    return a;
  }

  private static AccumulatorGrid mergeLaterPass(AccumulatorGrid a, AccumulatorGrid b) {
    a.mergeLaterPass(b);
    return a;
  }

  /** Starts the next pass of each grid that needs one; returns those grids by key. */
  private static Map<String, AccumulatorGrid> startNextPass(Map<String, AccumulatorGrid> grids) {
    Map<String, AccumulatorGrid> next = new LinkedHashMap<>();
    grids.forEach(
        (key, grid) -> {
          if (grid.startNextPass()) {
            next.put(key, grid);
          }
        });
    return next;
  }
}
