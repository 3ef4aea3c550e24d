package org.deepbase.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * The {@code deepbase bench} command: measure and inspection benchmarks, each printing ratios
 * against a baseline measured in the same run. Kept out of the CLI and the driver because it
 * reaches into PyTorch's JNI classes and starts python3 for its baseline arm.
 */
public final class Bench {
  private Bench() {}

  /** Runs the benchmark {@code --what} names (measures by default) with the CLI's options. */
  public static void run(Path workspace, Map<String, String> options, PrintStream out)
      throws Exception {
    switch (options.getOrDefault("--what", "measures")) {
      case "measures" -> MeasureBench.run(out);
      case "inspect" ->
          new InspectBench(
                  workspace,
                  options.getOrDefault("--dataset", "pacman_train"),
                  Integer.parseInt(options.getOrDefault("--unfused-records", "300")),
                  rounds(options, 5),
                  out)
              .run();
      case "resnet" -> new VisionBench(workspace, rounds(options, 3), out).run();
      case "transformer" -> new SequenceBench(workspace, "seq_transformer", out).run();
      case "gru" -> new SequenceBench(workspace, "seq_gru", out).run();
      default ->
          throw new IllegalArgumentException(
              "bench --what measures|inspect|resnet|transformer|gru");
    }
  }

  /** The rounds asked for, else the workload's default (fewer where one round takes minutes). */
  private static int rounds(Map<String, String> options, int byDefault) {
    String rounds = options.get("--rounds");
    return rounds == null ? byDefault : Integer.parseInt(rounds);
  }
}
