package org.deepbase.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deepbase.engine.catalog.DatasetDescriptor;
import org.deepbase.engine.catalog.LayerInfo;
import org.deepbase.engine.catalog.ModelDescriptor;
import org.deepbase.engine.data.DatasetReader;
import org.deepbase.engine.data.RecordBatch;
import org.deepbase.engine.extract.BehaviorKind;
import org.deepbase.engine.nn.Architecture;
import org.deepbase.engine.nn.LoadedModel;
import org.deepbase.engine.workspace.Workspace;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TorchScript models exported by tools/deepbase_export.py, checked against references computed by
 * PyTorch and NumPy when the fixtures were made (no Python needed here): activations to 1e-5 (raw
 * and through the extractor's alignment), every measure's score to 1e-6, for conv [C, H, W] (same
 * grid and resized), conv1d [C, L], sequence [T, D] and dense [D] layers.
 */
class TorchScriptTest {
  @TempDir static Path dir;
  static Map<String, float[]> references;
  static Workspace workspace;

  @BeforeAll
  static void install() throws Exception {
    TorchFixtures.install(
        dir, "models/planted_cnn", "models/seq_model", "datasets/shapes", "datasets/brackets");
    references = TorchFixtures.references(Files.createDirectories(dir.resolve("scratch")));
    workspace = new Workspace(dir);
  }

  @Test
  void layersAreDiscoveredFromOneProbeForward() throws SQLException {
    Map<String, String> layers = new HashMap<>();
    try (Connection c = connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT model, layer, kind, shape, unit_count FROM layers "
                    + "WHERE model IN ('planted_cnn', 'seq_model')")) {
      while (rs.next()) {
        layers.put(
            rs.getString(1) + "." + rs.getString(2), rs.getString(3) + " " + rs.getString(4));
      }
    }
    assertEquals(
        Map.of(
            "planted_cnn.conv1",
            "conv2d [4, 8, 10]",
            "planted_cnn.pool",
            "conv2d [4, 4, 5]",
            "planted_cnn.fc",
            "dense [6]",
            "seq_model.conv",
            "conv1d [5, 12]",
            "seq_model.rnn",
            "sequence [6, 12]",
            "seq_model.head",
            "dense [3]"),
        layers);
  }

  /**
   * The probe forward's layers are kept in the workspace's cache: a new workspace (a new process)
   * reads them instead of probing, and a checkpoint with another modification time is probed again.
   */
  @Test
  void probedLayersAreStoredPerCheckpointVersion() throws Exception {
    Path stored = dir.resolve("cache").resolve("layers");
    var model = new Workspace(dir).model("planted_cnn");
    assertEquals(List.of(4, 8, 10), new Workspace(dir).layer(model, "conv1").shape());
    List<Path> entries = entries(stored);
    Path entry =
        entries.stream()
            .filter(
                f -> {
                  try {
                    return Files.readString(f).contains("\"conv1\"");
                  } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  }
                })
            .findFirst()
            .orElseThrow();
    // Read back, not probed: a shape changed in the entry is what a new workspace sees.
    Files.writeString(
        entry, Files.readString(entry).replaceFirst("\\[\\s*4,\\s*8,\\s*10\\s*]", "[4, 8, 11]"));
    assertEquals(List.of(4, 8, 11), new Workspace(dir).layer(model, "conv1").shape());
    Path checkpoint = new Workspace(dir).latestCheckpoint("planted_cnn").path();
    Files.setLastModifiedTime(
        checkpoint,
        java.nio.file.attribute.FileTime.fromMillis(
            Files.getLastModifiedTime(checkpoint).toMillis() + 2000));
    assertEquals(List.of(4, 8, 10), new Workspace(dir).layer(model, "conv1").shape());
    assertEquals(entries.size() + 1, entries(stored).size(), "a new entry for the new version");
    Files.delete(entry);
  }

  private static List<Path> entries(Path dir) throws java.io.IOException {
    try (var files = Files.list(dir)) {
      return files.filter(f -> f.toString().endsWith(".json")).toList();
    }
  }

  @Test
  void activationsMatchPyTorch() {
    int compared = 0;
    for (Map.Entry<String, float[]> ref : references.entrySet()) {
      String[] key = ref.getKey().split("/");
      if (!key[0].equals("act")) {
        continue;
      }
      float[] actual = rawActivations(key[1], key[2]);
      assertClose(ref.getValue(), actual, 1e-5, ref.getKey());
      compared++;
    }
    assertEquals(6, compared);
  }

  @Test
  void extractorDeliversSameGridLayersUnchanged() {
    assertClose(
        references.get("act/planted_cnn/conv1"),
        TorchFixtures.behaviors(workspace, "planted_cnn", "conv1", BehaviorKind.ACTIVATION),
        1e-5,
        "conv1");
    assertClose(
        references.get("act/seq_model/conv"),
        TorchFixtures.behaviors(workspace, "seq_model", "conv", BehaviorKind.ACTIVATION),
        1e-5,
        "conv1d");
    assertClose(
        references.get("act/seq_model/rnn"),
        TorchFixtures.behaviors(workspace, "seq_model", "rnn", BehaviorKind.ACTIVATION),
        1e-5,
        "sequence");
  }

  @Test
  void behaviorsTableServesTorchScriptActivations() throws SQLException {
    float[] ref = references.get("act/seq_model/rnn"); // [48, 6, 12]: sequence, units = features
    int checked = 0;
    try (Connection c = connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT unit, record_id, symbol, behavior FROM behaviors "
                    + "WHERE model = 'seq_model' AND layer = 'rnn' AND dataset = 'brackets' AND record_id < 5")) {
      while (rs.next()) {
        int at = (rs.getInt(2) * 6 + rs.getInt(1)) * 12 + rs.getInt(3);
        assertEquals(ref[at], rs.getDouble(4), 1e-5);
        checked++;
      }
    }
    assertEquals(5 * 6 * 12, checked);
  }

  /**
   * Without ONEDNN_MAX_CPU_ISA=SSE41 (this JVM), gradients are either exact (a machine whose
   * kernels pass the self-check) or refused with the fix; never silently wrong.
   */
  @Test
  void gradientsAreExactOrRefused() throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT unit, score FROM TABLE(inspect(models => 'planted_cnn', "
                    + "units => 'conv1.*', hypotheses => 'ghost', measures => 'local_iou', dataset => 'shapes', "
                    + "behavior => 'gradient')) ORDER BY score DESC")) {
      assertTrue(rs.next());
      assertEquals(1, rs.getInt(1));
      assertEquals(1.0, rs.getDouble(2), 1e-9);
    } catch (SQLException e) {
      assertTrue(
          e.getMessage().contains("gradient behaviors are refused")
              && e.getMessage().contains("ONEDNN_MAX_CPU_ISA=SSE41"),
          e.getMessage());
      try (Connection c = connect();
          Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery("SELECT COUNT(*) FROM layers WHERE model = 'planted_cnn'")) {
        assertTrue(rs.next());
        assertEquals(3, rs.getInt(1), "the connection and workspace stay usable");
      }
    }
  }

  @Test
  void everyMeasureMatchesNumPyOnEveryLayerShape() throws SQLException {
    int compared = 0;
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      for (Map.Entry<String, float[]> ref : references.entrySet()) {
        String[] key = ref.getKey().split("/");
        if (!key[0].equals("score")) {
          continue;
        }
        String dataset = key[1].equals("planted_cnn") ? "shapes" : "brackets";
        String sql =
            "SELECT unit, score FROM TABLE(inspect(models => '"
                + key[1]
                + "', units => '"
                + key[2]
                + ".*', hypotheses => '"
                + key[3]
                + "', measures => '"
                + key[4]
                + "', dataset => '"
                + dataset
                + "', exact => true)) ORDER BY unit";
        try (ResultSet rs = s.executeQuery(sql)) {
          int units = 0;
          while (rs.next()) {
            assertEquals(
                ref.getValue()[rs.getInt(1)],
                rs.getDouble(2),
                1e-6,
                ref.getKey() + " unit " + rs.getInt(1));
            units++;
          }
          assertEquals(ref.getValue().length, units, ref.getKey());
        }
        compared++;
      }
    }
    assertTrue(compared >= 30, "scores compared: " + compared);
  }

  /**
   * One INSPECT over a binary and a continuous hypothesis with binary and general measures: every
   * defined pair is scored as its own query would be (NumPy references), each undefined one is a
   * single row per layer with no unit, no score and the reason, instead of failing the call.
   */
  @Test
  void oneInspectScoresEveryDefinedPairAndNamesTheSkippedOnes() throws SQLException {
    Map<String, Double> scores = new java.util.HashMap<>();
    List<String> skipped = new java.util.ArrayList<>();
    try (Connection c = connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT layer, unit, hypothesis, \"measure\", score, ci_low, note FROM TABLE(inspect("
                    + "models => 'seq_model', units => 'rnn.*,conv.*', hypotheses => 'depth,open', "
                    + "measures => 'iou,corr,local_iou', dataset => 'brackets', exact => true))")) {
      while (rs.next()) {
        String pair = rs.getString(1) + "/" + rs.getString(3) + "/" + rs.getString(4);
        if (rs.getObject(2) == null) {
          assertNull(rs.getObject(5), pair + ": a skipped pair has no score");
          assertNull(rs.getObject(6), pair);
          skipped.add(pair + ": " + rs.getString(7));
        } else {
          scores.put(
              "score/seq_model/"
                  + rs.getString(1)
                  + "/"
                  + rs.getString(3)
                  + "/"
                  + rs.getString(4)
                  + "/"
                  + rs.getInt(2),
              rs.getDouble(5));
        }
      }
    }
    assertEquals(4, skipped.size(), "iou and local_iou on depth, per layer: " + skipped);
    for (String row : skipped) {
      assertTrue(
          row.contains("/depth/")
              && !row.contains("/corr:")
              && row.contains("skipped: ")
              && row.contains("accepts binary annotations (0 or 1); got "),
          row);
    }
    int compared = 0;
    for (String layer : List.of("rnn", "conv")) {
      for (String pair : List.of("depth/corr", "open/iou", "open/corr", "open/local_iou")) {
        float[] expected = references.get("score/seq_model/" + layer + "/" + pair);
        assertNotNull(expected, pair);
        for (int u = 0; u < expected.length; u++) {
          String key = "score/seq_model/" + layer + "/" + pair + "/" + u;
          assertTrue(scores.containsKey(key), key + " in " + scores.keySet());
          assertEquals(expected[u], scores.get(key), 1e-6, key);
          compared++;
        }
      }
    }
    assertEquals(compared, scores.size(), "no other scores");
    // The relational form keeps an aggregate's semantics: iou over a continuous hypothesis fails.
    SQLException e =
        assertThrows(
            SQLException.class,
            () -> {
              try (Connection c = connect();
                  Statement s = c.createStatement();
                  ResultSet rs =
                      s.executeQuery(
                          "SELECT b.unit, iou(b.behavior, a.annotation) FROM behaviors b JOIN"
                              + " annotations a ON a.dataset = b.dataset AND a.record_id ="
                              + " b.record_id AND a.symbol = b.symbol WHERE b.model = 'seq_model'"
                              + " AND b.layer = 'rnn' AND a.hypothesis = 'depth' GROUP BY b.unit")) {
                rs.next();
              }
            });
    assertTrue(e.getMessage().contains("iou accepts binary annotations"), e.getMessage());
  }

  @Test
  void plantedUnitWins() throws SQLException {
    for (String behavior : List.of("activation")) {
      try (Connection c = connect();
          Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT unit, score FROM TABLE(inspect(models => 'planted_cnn', "
                      + "units => 'conv1.*', hypotheses => 'ghost', measures => 'local_iou', dataset => 'shapes', "
                      + "behavior => '"
                      + behavior
                      + "')) ORDER BY score DESC")) {
        assertTrue(rs.next());
        assertEquals(1, rs.getInt(1), behavior + ": the planted ghost unit comes first");
        assertEquals(1.0, rs.getDouble(2), 1e-9, behavior);
      }
    }
  }

  private static float[] rawActivations(String model, String layer) {
    ModelDescriptor descriptor = workspace.model(model);
    DatasetDescriptor dataset =
        workspace.dataset(model.equals("planted_cnn") ? "shapes" : "brackets");
    LayerInfo info = workspace.layer(descriptor, layer);
    try (LoadedModel loaded = LoadedModel.load(descriptor, workspace.latestCheckpoint(model));
        DatasetReader reader =
            new DatasetReader(workspace.datasetDir(dataset.name()), dataset, i -> true, 1000);
        NDManager manager = NDManager.newBaseManager("PyTorch")) {
      RecordBatch batch = reader.next();
      NDArray x = manager.create(batch.inputs(), Architecture.inputShape(descriptor, batch.size()));
      return loaded.forward(x, info.index(), false)[info.index()].toFloatArray();
    }
  }

  static void assertClose(float[] expected, float[] actual, double tolerance, String what) {
    assertNotNull(actual, what);
    assertEquals(expected.length, actual.length, what + " length");
    boolean anyNonZero = false;
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], tolerance, what + " at " + i);
      anyNonZero |= expected[i] != 0;
    }
    assertTrue(anyNonZero, what + " is not all zeros");
  }

  private static Connection connect() throws SQLException {
    return DriverManager.getConnection("jdbc:deepbase:" + dir);
  }
}
