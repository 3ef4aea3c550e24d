package org.deepbase.it;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.List;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Drops datasets as .npz files into a workspace and inspects each with {@code cache => true}, which
 * converts the inputs into {@code .materialized/} and writes behavior-cache entries; prints "ack
 * NAME SCORES" after each INSPECT returned. {@link CacheCrashTest} kills it with SIGKILL at a
 * random moment. Arguments: workspace directory, trial number.
 */
public final class CacheLoop {
  static final String INSPECT =
      "SELECT layer, unit, hypothesis, \"measure\", score FROM TABLE(inspect(models => 'pacman', "
          + "units => 'conv1.*,conv2.*', hypotheses => 'ghost,walls', measures => 'local_iou,iou,corr', "
          + "dataset => '%s', cache => %s)) ORDER BY layer, unit, hypothesis, \"measure\"";

  private CacheLoop() {}

  public static void main(String[] args) throws Exception {
    Path workspace = Path.of(args[0]);
    String trial = args[1];
    try (Connection c = DriverManager.getConnection("jdbc:deepbase:" + workspace)) {
      for (int i = 0; ; i++) {
        String name = "d_" + trial + "_" + i;
        drop(workspace, name);
        List<String> rows = Rows.of(c, String.format(Locale.ROOT, INSPECT, name, "true"));
        System.out.println("ack " + name + " " + String.join(";", rows));
        System.out.flush();
      }
    }
  }

  /**
   * Drops a copy of the planted workspace's test set as a user would: its inputs inside an .npz (so
   * DeepBase converts them on first use), its metadata, and a dataset.json naming the .npz;
   * dataset.json is written last, by rename, so the dataset appears whole or not at all.
   */
  static void drop(Path workspace, String name) throws Exception {
    Path source = workspace.resolve("datasets").resolve("pacman_test");
    Path dir = Files.createDirectories(workspace.resolve("datasets").resolve(name));
    try (OutputStream out = Files.newOutputStream(dir.resolve("data.npz"));
        ZipOutputStream zip = new ZipOutputStream(out)) {
      zip.putNextEntry(new ZipEntry("inputs.npy"));
      Files.copy(source.resolve("inputs.npy"), zip);
      zip.closeEntry();
    }
    Files.copy(source.resolve("records.csv"), dir.resolve("records.csv"));
    String json =
        Files.readString(source.resolve("dataset.json"))
            .replace("\"pacman_test\"", "\"" + name + "\"")
            .replaceFirst("\\{", "{\n  \"inputs\" : \"data.npz\",");
    Path tmp = dir.resolve("dataset.json.tmp");
    Files.writeString(tmp, json);
    Files.move(tmp, dir.resolve("dataset.json"), StandardCopyOption.ATOMIC_MOVE);
  }
}
