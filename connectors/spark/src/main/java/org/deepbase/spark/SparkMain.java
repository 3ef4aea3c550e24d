package org.deepbase.spark;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.spark.sql.SparkSession;
import org.deepbase.cli.TablePrinter;

/**
 * The spark-submit entry point: runs one SQL statement against a workspace every executor can read,
 * with {@code engine=spark}.
 *
 * <pre>
 * spark-submit --class org.deepbase.spark.SparkMain --master spark://host:7077 \
 *   --jars "$(ls connectors/spark/target/lib/*.jar | paste -sd,)" connectors/spark/target/deepbase-spark-*.jar \
 *   --workspace /shared/workspace -e "SELECT * FROM TABLE(inspect(...))" [--partitions 64] [--format csv]
 * </pre>
 *
 * {@code --bench} instead runs the local-vs-Spark benchmark on the workspace's PacMan data.
 */
public final class SparkMain {
  private SparkMain() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--bench")) {
        options.put("--bench", "true");
      } else if (args[i].startsWith("--") || args[i].equals("-e")) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(args[i] + " needs a value");
        }
        options.put(args[i], args[++i]);
      } else {
        throw new IllegalArgumentException("unexpected argument '" + args[i] + "'");
      }
    }
    String workspace = options.getOrDefault("--workspace", "workspace");
    try {
      if (options.containsKey("--bench")) {
        SparkBench.run(workspace, options.getOrDefault("--dataset", "pacman_test"), System.out);
        return;
      }
      String sql = options.get("-e");
      if (sql == null) {
        throw new IllegalArgumentException(
            "usage: SparkMain --workspace DIR -e \"SQL\" [--partitions N] [--format table|csv|json]");
      }
      Properties properties = new Properties();
      properties.setProperty("engine", "spark");
      if (options.containsKey("--partitions")) {
        properties.setProperty(SparkInspectionEngine.PARTITIONS, options.get("--partitions"));
      }
      try (Connection c = DriverManager.getConnection("jdbc:deepbase:" + workspace, properties);
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery(sql)) {
        TablePrinter.print(
            rs, System.out, options.getOrDefault("--format", "table"), Integer.MAX_VALUE);
      }
    } finally {
      SparkSession.getActiveSession()
          .foreach(
              session -> {
                session.stop();
                return null;
              });
    }
  }
}
