package org.deepbase.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import org.deepbase.engine.extract.BehaviorKind;
import org.deepbase.engine.nn.OneDnn;
import org.deepbase.engine.workspace.Workspace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LSTM models and libtorch's oneDNN LSTM kernels (issue 15: wrong outputs on AVX-512, silently).
 * Where the kernels are suspect (AVX2+ without {@code ONEDNN_MAX_CPU_ISA=SSE41}) an LSTM model is
 * refused with the fix named; in the JVM Maven starts with the cap (the "capped-onednn" execution)
 * its activations match PyTorch's.
 */
class LstmTest {
  @TempDir Path dir;

  @Test
  void anLstmModelIsRefusedWhereTheKernelsAreSuspectOrMatchesPyTorchWhereNot() throws Exception {
    TorchFixtures.install(
        dir, "models/lstm_model", "datasets/lstm_seqs", "models/seq_model", "datasets/brackets");
    Workspace workspace = new Workspace(dir);
    String inspect =
        "SELECT * FROM TABLE(inspect(models => 'lstm_model', units => 'rnn.*', hypotheses => 'positive', "
            + "measures => 'corr', dataset => 'lstm_seqs'))";
    if (OneDnn.suspect()) {
      try (Connection c = DriverManager.getConnection("jdbc:deepbase:" + dir)) {
        SQLException e = assertThrows(SQLException.class, () -> Rows.of(c, inspect));
        String message = Rows.messages(e);
        assertTrue(
            message.contains("model 'lstm_model' runs an LSTM")
                && message.contains("ONEDNN_MAX_CPU_ISA=SSE41"),
            message);
        assertFalse(
            Rows.of(c, "SELECT DISTINCT model FROM layers").contains("lstm_model"),
            "the catalog lists the LSTM model's layers only where they can be trusted");
        assertTrue(
            Rows.of(c, "SELECT DISTINCT model FROM layers").contains("seq_model"),
            "a GRU model is not refused");
      }
    } else {
      assumeTrue(OneDnn.capped(), "a CPU without wide vectors: nothing suspect to check against");
      Map<String, float[]> references =
          TorchFixtures.references(
              Files.createDirectories(dir.resolve("scratch")), "lstm_reference.npz");
      TorchScriptTest.assertClose(
          references.get("act/lstm_model/rnn"),
          TorchFixtures.behaviors(workspace, "lstm_model", "rnn", BehaviorKind.ACTIVATION),
          1e-5,
          "lstm");
    }
  }
}
