package org.deepbase.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Datasets dropped into a workspace as files from the Python ecosystem (.npy of any numeric dtype,
 * .npz with annotation arrays, Arrow IPC, CSV), with and without dataset.json, and the bad inputs a
 * user meets: each a clear error that leaves the workspace usable.
 */
class PythonDataTest {
  @TempDir Path dir;

  @Test
  void tabularDatasetsFromCsvAndArrowGetStableRecordIdsAndMetadata() throws Exception {
    Path csvDir = Files.createDirectories(dir.resolve("datasets/iris_csv"));
    Files.writeString(
        csvDir.resolve("iris.csv"),
        "sepal,petal,species\n5.1,1.4,setosa\n7.0,4.7,\"versi,color\"\n" + "6.3,6.0,virgi\tnica\n");
    Path arrowDir = Files.createDirectories(dir.resolve("datasets/iris_arrow"));
    writeArrow(
        arrowDir.resolve("iris.arrow"),
        new double[][] {{5.1, 1.4}, {7.0, 4.7}, {6.3, 6.0}},
        List.of("setosa", "versi,color", "virgi\tnica"));
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      Map<String, String> shapes = Map.of("iris_csv", "3 [2] [1]", "iris_arrow", "3 [2] [1]");
      try (ResultSet rs =
          s.executeQuery("SELECT dataset, record_count, input_shape, symbol_shape FROM datasets")) {
        int n = 0;
        while (rs.next()) {
          assertEquals(
              shapes.get(rs.getString(1)),
              rs.getInt(2) + " " + rs.getString(3) + " " + rs.getString(4));
          n++;
        }
        assertEquals(2, n);
      }
      for (String dataset : List.of("iris_csv", "iris_arrow")) {
        try (ResultSet rs =
            s.executeQuery(
                "SELECT record_id, JSON_VALUE(metadata, '$.species'), metadata FROM records "
                    + "WHERE dataset = '"
                    + dataset
                    + "' ORDER BY record_id")) {
          List<String> rows = new ArrayList<>();
          while (rs.next()) {
            rows.add(rs.getInt(1) + " " + rs.getString(2));
            // Control characters are escaped: the JSON parses, a tab does not null JSON_VALUE.
            assertTrue(!rs.getString(3).contains("\t"), rs.getString(3));
          }
          assertEquals(List.of("0 setosa", "1 versi,color", "2 virgi\tnica"), rows, dataset);
        }
      }
    }
    // The inputs were converted to float32 [N, D]: read them back through the engine.
    var workspace = new org.deepbase.engine.workspace.Workspace(dir);
    for (String dataset : List.of("iris_csv", "iris_arrow")) {
      var d = workspace.dataset(dataset);
      try (var reader =
          new org.deepbase.engine.data.DatasetReader(
              workspace.datasetDir(dataset), d, i -> true, 10)) {
        float[] values = new float[6];
        reader.next().inputs().get(values);
        assertEquals(List.of(5.1f, 1.4f, 7.0f, 4.7f, 6.3f, 6.0f), boxed(values), dataset);
      }
    }
  }

  @Test
  void npyOfAnyDtypeAndNpzAnnotationsOfAnyDtype() throws Exception {
    Path d = Files.createDirectories(dir.resolve("datasets/bytes"));
    // uint8 inputs [4, 2, 3] with no dataset.json: symbol shape [3] (from [T, D] = [2, 3]? no: from
    // the
    // annotation arrays when there are some; here a plain .npy, so [2, 3] -> [2])
    Files.write(
        d.resolve("x.npy"),
        npy(
            "|u1",
            List.of(4, 2, 3),
            new byte[] {
              0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, (byte) 255, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1
            }));
    var workspace = new org.deepbase.engine.workspace.Workspace(dir);
    var dataset = workspace.dataset("bytes");
    assertEquals(4, dataset.recordCount());
    assertEquals(List.of(2, 3), dataset.inputShape());
    assertEquals(List.of(2), dataset.symbolShape());
    try (var reader =
        new org.deepbase.engine.data.DatasetReader(
            workspace.datasetDir("bytes"), dataset, i -> i == 2, 10)) {
      float[] values = new float[6];
      var batch = reader.next();
      assertEquals(2, batch.records().get(0).recordId());
      batch.inputs().get(values);
      assertEquals(List.of(255f, 0f, 0f, 0f, 0f, 0f), boxed(values));
    }
  }

  @Test
  void anAnnotationArrayReadForABatchEqualsItsRecordsReadOneByOne() throws Exception {
    // Records 0, 1, 4, 5: two runs of consecutive ids, as a filtered scan delivers them.
    float[] batch = annotationsOfRecords0145("runs", 4);
    assertEquals(
        List.of(0f, 1f, 2f, 3f, 100_000f, 100_001f, 100_002f, 100_003f, 400_000f, 400_001f),
        boxed(Arrays.copyOf(batch, 10)));
  }

  @Test
  void anAnnotationArrayReadInPiecesLargerThanARecordEqualsItsRecordsReadOneByOne()
      throws Exception {
    // 50,000 symbols a record: a run of two records is read in pieces that end inside records.
    int symbols = 50_000;
    float[] batch = annotationsOfRecords0145("large", symbols);
    int[] ids = {0, 1, 4, 5};
    for (int r = 0; r < ids.length; r++) {
      for (int i = 0; i < symbols; i += 997) {
        assertEquals(ids[r] * 100_000f + i, batch[r * symbols + i], "record " + ids[r] + " @" + i);
      }
      assertEquals(ids[r] * 100_000f + symbols - 1, batch[(r + 1) * symbols - 1]);
    }
  }

  /**
   * Writes a dataset of six records whose mask says where each value comes from (record * 100,000 +
   * symbol, so a read from the wrong offset shows), and reads records 0, 1, 4 and 5 as one batch,
   * checking it against the same records read one by one.
   */
  private float[] annotationsOfRecords0145(String name, int symbols) throws Exception {
    ByteBuffer mask = ByteBuffer.allocate(6 * symbols * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int r = 0; r < 6; r++) {
      for (int i = 0; i < symbols; i++) {
        mask.putFloat(r * 100_000f + i);
      }
    }
    Path d = Files.createDirectories(dir.resolve("datasets").resolve(name));
    Files.write(
        d.resolve("data.npz"),
        npz(
            Map.of(
                "inputs", npy("<f4", List.of(6, symbols), new byte[6 * symbols * 4]),
                "mask", npy("<f4", List.of(6, symbols), mask.array()))));
    var workspace = new org.deepbase.engine.workspace.Workspace(dir);
    var dataset = workspace.dataset(name);
    var hypothesis =
        org.deepbase.engine.hypothesis.ArrayHypothesis.forDataset(
                workspace.datasetDir(name), dataset)
            .get("mask");
    try (var reader =
        new org.deepbase.engine.data.DatasetReader(
            workspace.datasetDir(name), dataset, i -> i != 2 && i != 3, 10)) {
      var records = reader.next().records();
      assertEquals(List.of(0, 1, 4, 5), records.stream().map(r -> r.recordId()).toList());
      float[] batch =
          org.deepbase.engine.hypothesis.Hypotheses.annotateAll(hypothesis, dataset, records);
      List<Float> oneByOne = new ArrayList<>();
      for (var record : records) {
        for (float v :
            org.deepbase.engine.hypothesis.Hypotheses.annotate(hypothesis, dataset, record)) {
          oneByOne.add(v);
        }
      }
      assertEquals(oneByOne, boxed(batch));
      return batch;
    }
  }

  @Test
  void badInputsFailClearlyAndLeaveTheWorkspaceUsable() throws Exception {
    TorchFixtures.install(dir, "models/planted_cnn", "datasets/shapes", "models/no_dict");
    // a corrupt .pt next to a good descriptor
    Path corrupt = Files.createDirectories(dir.resolve("models/corrupt"));
    Files.copy(dir.resolve("models/planted_cnn/model.json"), corrupt.resolve("model.json"));
    Files.writeString(
        corrupt.resolve("model.json"),
        Files.readString(corrupt.resolve("model.json")).replace("planted_cnn", "corrupt"));
    byte[] pt = Files.readAllBytes(dir.resolve("models/planted_cnn/planted_cnn-0000.pt"));
    Files.write(corrupt.resolve("corrupt-0000.pt"), java.util.Arrays.copyOf(pt, pt.length / 2));
    // a descriptor whose input shape the model cannot take
    Path wrongShape = Files.createDirectories(dir.resolve("models/wrong_shape"));
    Files.copy(
        dir.resolve("models/planted_cnn/planted_cnn-0000.pt"),
        wrongShape.resolve("wrong_shape-0000.pt"));
    Files.writeString(
        wrongShape.resolve("model.json"),
        "{\"name\": \"wrong_shape\", \"format\": \"torchscript\", \"input_shape\": [3, 6, 6]}");
    // an .npz without its inputs array, and one whose annotation has the wrong N
    Path noInputs = Files.createDirectories(dir.resolve("datasets/no_inputs"));
    Files.write(
        noInputs.resolve("data.npz"), npz(Map.of("x", npy("<f4", List.of(2, 2), new byte[16]))));
    Path wrongN = Files.createDirectories(dir.resolve("datasets/wrong_n"));
    Files.write(
        wrongN.resolve("data.npz"),
        npz(
            Map.of(
                "inputs", npy("<f4", List.of(3, 3, 8, 10), new byte[3 * 240 * 4]),
                "mask", npy("|b1", List.of(2, 8, 10), new byte[160]))));

    String inspect =
        "SELECT * FROM TABLE(inspect(models => '%s', units => 'conv1.*', hypotheses => '%s', "
            + "measures => 'corr', dataset => '%s'))";
    assertError(
        String.format(inspect, "no_dict", "ghost", "shapes"),
        "returns a tensor, not a Dict[str, Tensor]",
        "tools/deepbase_export.py");
    assertError(
        String.format(inspect, "corrupt", "ghost", "shapes"),
        "MODEL_LOAD_FAILED",
        "cannot load TorchScript model 'corrupt'");
    assertError(
        String.format(inspect, "wrong_shape", "ghost", "shapes"),
        "SHAPE_MISMATCH",
        "model 'wrong_shape' expects [3, 6, 6]");
    var workspace = new org.deepbase.engine.workspace.Workspace(dir);
    var probe =
        assertThrows(
            org.deepbase.engine.DeepBaseException.class,
            () -> workspace.layers(workspace.model("wrong_shape")));
    assertTrue(
        probe
            .getMessage()
            .contains("SHAPE_MISMATCH: model 'wrong_shape': model.json says input_shape [3, 6, 6]"),
        probe.getMessage());
    assertError(
        String.format(inspect, "planted_cnn", "ghost", "no_inputs"),
        "BAD_WORKSPACE",
        "has no array 'inputs'");
    assertError(
        String.format(inspect, "planted_cnn", "mask", "wrong_n"),
        "SHAPE_MISMATCH",
        "annotation array 'mask' in data.npz has shape [2, 8, 10]; dataset 'wrong_n' needs [3, 8, 10]");
    // after all of that, the good model and dataset still answer, and listings skip the broken ones
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      try (ResultSet rs =
          s.executeQuery(
              String.format(inspect, "planted_cnn", "ghost", "shapes")
                  .replace("SELECT *", "SELECT COUNT(*)"))) {
        assertTrue(rs.next());
        assertEquals(4, rs.getInt(1));
      }
      try (ResultSet rs = s.executeQuery("SELECT COUNT(DISTINCT model) FROM layers")) {
        assertTrue(rs.next());
        assertEquals(1, rs.getInt(1), "only planted_cnn's layers can be read");
      }
    }
  }

  @Test
  void registerDatasetFromSqlLinksTheFileAndListsItsAnnotationArrays(@TempDir Path elsewhere)
      throws Exception {
    TorchFixtures.install(dir, "models/planted_cnn");
    Path npz =
        Files.copy(
            TorchFixtures.root().resolve("datasets/shapes/shapes.npz"),
            elsewhere.resolve("shapes.npz"));
    assertError(
        "SELECT * FROM TABLE(register_dataset(name => 'maps', path => '" + npz + "'))",
        "PERMISSION_DENIED",
        "is outside the workspace and the data roots");
    // The administrator allows the directory (settings.json); then the file can be registered.
    Files.writeString(dir.resolve("settings.json"), "{\"data_roots\": [\"" + elsewhere + "\"]}");
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      try (ResultSet rs =
          s.executeQuery(
              "SELECT * FROM TABLE(register_dataset(name => 'maps', path => '" + npz + "'))")) {
        assertTrue(rs.next());
        assertEquals(
            "maps 64 [3, 8, 10] [8, 10] ghost,wall",
            rs.getString(1)
                + " "
                + rs.getInt(2)
                + " "
                + rs.getString(3)
                + " "
                + rs.getString(4)
                + " "
                + rs.getString(5));
      }
      try (ResultSet rs =
          s.executeQuery(
              "SELECT unit, score FROM TABLE(inspect(models => 'planted_cnn', units => "
                  + "'conv1.*', hypotheses => 'ghost', measures => 'local_iou', dataset => 'maps')) ORDER BY score DESC")) {
        assertTrue(rs.next());
        assertEquals(
            1, rs.getInt(1), "the registered dataset and its annotation array work in INSPECT");
      }
    }
    assertError(
        "SELECT * FROM TABLE(register_dataset(name => 'maps', path => '" + npz + "'))",
        "BAD_ARGUMENT",
        "dataset 'maps' already exists");
    Path bad = elsewhere.resolve("bad.npz");
    Files.write(bad, npz(Map.of("x", npy("<f4", List.of(2, 2), new byte[16]))));
    assertError(
        "SELECT * FROM TABLE(register_dataset(name => 'bad', path => '" + bad + "'))",
        "BAD_WORKSPACE",
        "has no array 'inputs'");
    assertTrue(
        Files.notExists(dir.resolve("datasets/bad")),
        "a failed registration leaves nothing behind");
    assertTrue(Files.exists(bad), "and keeps the user's file");
  }

  private void assertError(String sql, String... parts) {
    SQLException e =
        assertThrows(
            SQLException.class,
            () -> {
              try (Connection c = connect();
                  Statement s = c.createStatement();
                  ResultSet rs = s.executeQuery(sql)) {
                rs.next();
              }
            },
            sql);
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), "'" + part + "' in: " + e.getMessage());
    }
  }

  private Connection connect() throws SQLException {
    return DriverManager.getConnection("jdbc:deepbase:" + dir);
  }

  private static List<Float> boxed(float[] values) {
    List<Float> out = new ArrayList<>();
    for (float v : values) {
      out.add(v);
    }
    return out;
  }

  /** Writes a version-1 .npy of raw little-endian data. */
  static byte[] npy(String dtype, List<Integer> shape, byte[] data) throws IOException {
    StringBuilder dims = new StringBuilder();
    for (int d : shape) {
      dims.append(d).append(", ");
    }
    String dict =
        "{'descr': '"
            + dtype
            + "', 'fortran_order': False, 'shape': ("
            + dims.toString().trim().replaceAll(",$", shape.size() == 1 ? "," : "")
            + "), }";
    int total = 10 + dict.length() + 1;
    String header = dict + " ".repeat((64 - total % 64) % 64) + "\n";
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
    out.write(
        ByteBuffer.allocate(2)
            .order(ByteOrder.LITTLE_ENDIAN)
            .putShort((short) header.length())
            .array());
    out.write(header.getBytes(StandardCharsets.ISO_8859_1));
    out.write(data);
    return out.toByteArray();
  }

  static byte[] npz(Map<String, byte[]> arrays) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      for (Map.Entry<String, byte[]> a : arrays.entrySet()) {
        zip.putNextEntry(new ZipEntry(a.getKey() + ".npy"));
        zip.write(a.getValue());
        zip.closeEntry();
      }
    }
    return bytes.toByteArray();
  }

  static void writeArrow(Path file, double[][] features, List<String> labels) throws IOException {
    try (BufferAllocator allocator = new RootAllocator();
        Float8Vector sepal = new Float8Vector("sepal", allocator);
        Float8Vector petal = new Float8Vector("petal", allocator);
        VarCharVector species = new VarCharVector("species", allocator)) {
      for (int i = 0; i < features.length; i++) {
        sepal.setSafe(i, features[i][0]);
        petal.setSafe(i, features[i][1]);
        species.setSafe(i, labels.get(i).getBytes(StandardCharsets.UTF_8));
      }
      sepal.setValueCount(features.length);
      petal.setValueCount(features.length);
      species.setValueCount(features.length);
      try (VectorSchemaRoot root = VectorSchemaRoot.of(sepal, petal, species);
          OutputStream out = Files.newOutputStream(file);
          ArrowFileWriter writer =
              new ArrowFileWriter(root, null, java.nio.channels.Channels.newChannel(out))) {
        writer.start();
        writer.writeBatch();
        writer.end();
      }
    }
  }
}
