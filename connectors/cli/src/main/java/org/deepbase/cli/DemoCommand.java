package org.deepbase.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deepbase.engine.Progress;
import org.deepbase.engine.catalog.Checkpoint;
import org.deepbase.engine.nn.LoadedModel;
import org.deepbase.engine.picture.Pictures;
import org.deepbase.engine.workspace.Workspace;
import org.deepbase.queries.pacman.Agent;
import org.deepbase.queries.pacman.PacmanWorkspace;
import org.deepbase.queries.pacman.SavedQueries;

/**
 * {@code deepbase demo}: "does PacMan see ghosts?" end to end. Creates the workspace when absent
 * and leaves it for the user to query through {@code jdbc:deepbase:<dir>}.
 */
final class DemoCommand {
  private static final int SHOWN = 10;
  private static final int PICTURE_RECORD = 0;

  private final Workspace workspace;
  private final PacmanWorkspace.Plan plan;
  private final Progress progress;

  DemoCommand(Path dir, PacmanWorkspace.Plan plan, Progress progress) {
    this.workspace = new Workspace(dir, progress);
    this.plan = plan;
    this.progress = progress;
  }

  void run() throws Exception {
    if (!PacmanWorkspace.exists(workspace)) {
      System.out.println(
          "Creating the PacMan workspace in "
              + workspace.root()
              + (plan.dqn() != null
                  ? " (datasets of played games, then the agent trained by deep Q-learning from"
                      + " the game's rewards, one checkpoint per epoch)"
                  : " (datasets of played games, then the agent trained by imitation of the"
                      + " scripted player on the states it visits itself (DAgger), one checkpoint"
                      + " per epoch)"));
      PacmanWorkspace.create(workspace, plan);
    }
    Play.learningCurve(workspace.modelDir(PacmanWorkspace.MODEL), System.out);
    Checkpoint latest = workspace.latestCheckpoint(PacmanWorkspace.MODEL);
    Path test = workspace.datasetDir(PacmanWorkspace.TEST);
    int testRecords = workspace.dataset(PacmanWorkspace.TEST).recordCount();
    try (LoadedModel model = LoadedModel.load(workspace.model(PacmanWorkspace.MODEL), latest)) {
      System.out.printf(
          Locale.ROOT,
          "Agent %s@%d: picks the scripted move on %.1f%% of %s (always-the-commonest-move"
              + " baseline %.1f%%)%n",
          PacmanWorkspace.MODEL,
          latest.epoch(),
          100 * Agent.accuracy(model, test),
          PacmanWorkspace.TEST,
          100 * Agent.majorityBaseline(test, testRecords));
      Play.report(model, System.out);
    }
    String sql =
        SavedQueries.load("ghost_units", Map.of("checkpoint", String.valueOf(latest.epoch())));
    System.out.println("\nDoes PacMan see ghosts?\n" + sql);
    String url = "jdbc:deepbase:" + workspace.root();
    List<String[]> top;
    try (Connection c = Connections.open(workspace.root(), progress);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      top = TablePrinter.print(rs, System.out, "table", SHOWN);
    }
    if (top.isEmpty()) {
      return;
    }
    String layer = top.get(0)[0];
    int unit = Integer.parseInt(top.get(0)[1]);
    double score = Double.parseDouble(top.get(0)[2]);
    double onGhost =
        scalar(
            SavedQueries.load(
                "ghost_hit_rate",
                Map.of(
                    "checkpoint",
                    String.valueOf(latest.epoch()),
                    "layer",
                    layer,
                    "unit",
                    String.valueOf(unit))));
    String control =
        "SELECT score FROM TABLE(inspect(models => '%s@%d', units => '%s.%d',"
            + " hypotheses => '%s', measures => 'local_iou', dataset => '%s'))";
    double[] controls = new double[2];
    String[] masks = {"pacman", "pacman_adjacent"};
    for (int i = 0; i < masks.length; i++) {
      controls[i] =
          scalar(
              String.format(
                  Locale.ROOT,
                  control,
                  PacmanWorkspace.MODEL,
                  latest.epoch(),
                  layer,
                  unit,
                  masks[i],
                  PacmanWorkspace.TEST));
    }
    String answer =
        CaseStudy.ghostDetector(layer, unit, score, onGhost)
            + CaseStudy.pacmanControl(score, controls[0], controls[1]);
    System.out.println(answer);
    Path png = picture(latest.epoch(), layer, unit);
    System.out.printf(
        "%nIts activation on record %d beside the ghost mask: %s%n", PICTURE_RECORD, png);
    Path report = workspace.root().resolve("reports").resolve("pacman.html");
    try (Connection c = Connections.open(workspace.root(), progress)) {
      new org.deepbase.report.HtmlReport(c, PacmanWorkspace.TEST, 3)
          .write(
              report,
              List.of(
                  new org.deepbase.report.HtmlReport.Analysis(
                      "1. Does PacMan see ghosts?",
                      SavedQueries.load("ghost_detectors", Map.of()),
                      results -> answer),
                  new org.deepbase.report.HtmlReport.Analysis(
                      "2. When does learning happen? (" + layer + "." + unit + ")",
                      SavedQueries.load(
                          "learning_curve", Map.of("layer", layer, "unit", String.valueOf(unit))),
                      results -> CaseStudy.learningCurve(results, layer, unit)),
                  new org.deepbase.report.HtmlReport.Analysis(
                      "3. Does PacMan anticipate?",
                      SavedQueries.load("anticipation", Map.of()),
                      CaseStudy::anticipation)));
    }
    System.out.println("Report of the three analyses, with their answers: " + report);
    System.out.println("The workspace stays in place: query it with " + url);
  }

  /** Runs a query of one number on the workspace. */
  private double scalar(String sql) throws SQLException {
    try (Connection c = Connections.open(workspace.root(), progress);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getDouble(1);
    }
  }

  private Path picture(int checkpoint, String layer, int unit) throws IOException, SQLException {
    // The pictures come from SQL, as a BI tool would get them.
    String model = PacmanWorkspace.MODEL + "@" + checkpoint;
    String sql =
        String.format(
            Locale.ROOT,
            "SELECT heatmap_overlay('%s', '%s', %d, '%s', %d), mask('ghost', '%s', %d)",
            model,
            layer,
            unit,
            PacmanWorkspace.TEST,
            PICTURE_RECORD,
            PacmanWorkspace.TEST,
            PICTURE_RECORD);
    byte[] png;
    try (Connection c = Connections.open(workspace.root(), progress);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      png = Pictures.sideBySide(List.of(rs.getBytes(1), rs.getBytes(2)));
    }
    Path dir = Files.createDirectories(workspace.root().resolve("reports"));
    Path file = dir.resolve("ghost_best_unit.png");
    Files.write(file, png);
    return file;
  }
}
