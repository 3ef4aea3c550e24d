package org.deepbase.bench;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.deepbase.engine.catalog.ModelDescriptor;
import org.deepbase.engine.workspace.Workspace;

/**
 * {@code deepbase bench --what transformer} (or {@code --what gru}): the sequence workload of issue
 * 17 (a workspace made by {@code tools/sequence_workload.py}) in side-by-side processes: bare
 * forward passes, one DeepBase INSPECT of every layer against the four per-token hypotheses with
 * corr and probe_accuracy (its forward passes counted), and the NeuroX-style probe script ({@code
 * tools/probe_baseline.py}). Prints times, peak RSS, ratios and how far the per-layer probe
 * accuracies are from the baseline's.
 */
final class SequenceBench {
  static final String DATASET = "tokens";
  static final String HYPOTHESES = "depth,open,letter,token_class";
  private static final int BATCH = 64;

  private final Workspace workspace;
  private final String model;
  private final PrintStream out;

  SequenceBench(Path dir, String model, PrintStream out) {
    this.workspace = new Workspace(dir);
    this.model = model;
    this.out = out;
  }

  void run() throws Exception {
    Arms.requireModel(workspace, model, "sequence_workload.py");
    ModelDescriptor descriptor = workspace.model(model);
    List<String> layers = descriptor.layers().stream().map(l -> l.name()).toList();
    int records = workspace.dataset(DATASET).recordCount();
    out.printf(
        Locale.ROOT,
        "workload: %s, %s (%d sequences), layers %s x %s, corr + probe_accuracy; load: %s%n"
            + "machine: %s%n",
        model,
        DATASET,
        records,
        layers,
        HYPOTHESES,
        Arms.loadAverage(),
        Arms.machine());
    Path scratch = Files.createTempDirectory("deepbase-sequence-bench");
    try {
      Arms runner = new Arms(workspace.root(), out);
      List<Arms.Arm> arms = new ArrayList<>();
      arms.add(runner.java("forward-only", "forward", model, DATASET, String.valueOf(BATCH)));
      Path csv = scratch.resolve("deepbase.csv");
      String sql =
          "SELECT layer, unit, hypothesis, \"measure\", score FROM TABLE(inspect(models => '"
              + model
              + "', units => '"
              + String.join(".*,", layers)
              + ".*', hypotheses => '"
              + HYPOTHESES
              + "', measures => 'corr,probe_accuracy', dataset => '"
              + DATASET
              + "', cache => false, batch_size => "
              + BATCH
              + "))";
      Arms.Arm deepbase = runner.java("deepbase corr + probes", "sql", csv.toString(), sql);
      int batches = (records + BATCH - 1) / BATCH;
      arms.add(
          deepbase.withNote(
              deepbase.forwardPasses() == batches
                  ? "one forward pass per batch"
                  : "forward passes " + deepbase.forwardPasses() + " for " + batches + " batches"));
      String baseline =
          runner.python(
              "probe_baseline.py",
              "--workspace",
              workspace.root().toString(),
              "--model",
              model,
              "--hypothesis",
              HYPOTHESES);
      if (baseline != null) {
        arms.add(Arms.Arm.ofBaseline("neurox-style probes", baseline, "the same probes, no corr"));
      }
      runner.table(arms, records);
      if (baseline != null) {
        out.println(
            "deepbase vs the baseline: "
                + Arms.speedup(arms.get(2).seconds(), arms.get(1).seconds()));
        double worst = 0;
        for (String line : Files.readAllLines(csv)) {
          String[] f = line.split("\t");
          if (f[3].equals("probe_accuracy")) {
            Matcher m =
                Pattern.compile(
                        "layer "
                            + Pattern.quote(f[0])
                            + " hypothesis "
                            + Pattern.quote(f[2])
                            + " probe_accuracy (\\S+)")
                    .matcher(baseline);
            if (m.find()) {
              double theirs = Double.parseDouble(m.group(1));
              double ours = Double.parseDouble(f[4]);
              worst = Math.max(worst, Math.abs(theirs - ours));
              out.printf(
                  Locale.ROOT,
                  "  %s %s probe_accuracy: deepbase %.4f, neurox-style %.4f%n",
                  f[0],
                  f[2],
                  ours,
                  theirs);
            }
          }
        }
        out.printf(Locale.ROOT, "largest probe accuracy difference: %.4f (target 0.01)%n", worst);
      }
    } finally {
      Arms.deleteTree(scratch);
    }
  }
}
