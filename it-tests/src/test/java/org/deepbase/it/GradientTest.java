package org.deepbase.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import org.deepbase.engine.extract.BehaviorKind;
import org.deepbase.engine.workspace.Workspace;
import org.deepbase.queries.pacman.DatasetGenerator;
import org.deepbase.queries.pacman.PacmanWorkspace;
import org.deepbase.queries.pacman.PlantedAgent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gradient behaviors (saliency) of TorchScript and DJL models. Runs in its own JVM with
 * ONEDNN_MAX_CPU_ISA=SSE41 (the it-tests pom): this project's machines have oneDNN AVX-512 kernels
 * that return wrong convolution input gradients, which DeepBase's self-check refuses; {@code
 * gradientsAreExactOrRefused} in {@link TorchScriptTest} covers the other JVM.
 */
class GradientTest {
  @TempDir static Path dir;
  static Map<String, float[]> references;
  static Workspace workspace;

  @BeforeAll
  static void install() throws Exception {
    TorchFixtures.install(
        dir,
        "models/planted_cnn",
        "models/seq_model",
        "datasets/shapes",
        "datasets/brackets",
        "pacman/models/planted");
    DatasetGenerator.write(
        dir.resolve("datasets").resolve(PacmanWorkspace.TEST), PacmanWorkspace.TEST, 11, 200);
    references = TorchFixtures.references(Files.createDirectories(dir.resolve("scratch")));
    workspace = new Workspace(dir);
  }

  @Test
  void torchScriptGradientsMatchAutogradThroughConv2dConv1dAndGru() {
    int compared = 0;
    for (Map.Entry<String, float[]> ref : references.entrySet()) {
      String[] key = ref.getKey().split("/");
      if (key[0].equals("grad")) {
        TorchScriptTest.assertClose(
            ref.getValue(),
            TorchFixtures.behaviors(workspace, key[1], key[2], BehaviorKind.GRADIENT),
            1e-5,
            ref.getKey());
        compared++;
      }
    }
    assertEquals(3, compared);
  }

  @Test
  void plantedUnitsWinOnSaliencyInBothFormats() throws SQLException {
    // TorchScript planted CNN, and the DJL PacMan agent: d relu(ghost channel)/d input is 1 exactly
    // at the ghost (ReLU'(0) = 0 elsewhere), a perfect mask.
    assertBest("planted_cnn", "shapes", 1);
    assertBest("planted", PacmanWorkspace.TEST, PlantedAgent.GHOST_UNIT);
  }

  private static void assertBest(String model, String dataset, int unit) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:deepbase:" + dir);
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT unit, score FROM TABLE(inspect(models => '"
                    + model
                    + "', units => "
                    + "'conv1.*', hypotheses => 'ghost', measures => 'local_iou', dataset => '"
                    + dataset
                    + "', behavior => 'gradient')) ORDER BY score DESC")) {
      assertTrue(rs.next());
      assertEquals(unit, rs.getInt(1), model);
      assertEquals(1.0, rs.getDouble(2), 1e-9, model);
      assertTrue(rs.next());
      assertTrue(rs.getDouble(2) < 0.5, model + ": the next unit's saliency is not the ghost mask");
    }
  }
}
