package org.deepbase.spark;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Locale;
import java.util.Properties;

/**
 * Local engine vs Spark on the same inspection, in one process: the workload of the INSPECT
 * benchmark (all units of conv1 and conv2, the five ghost hypotheses, local_iou + corr) on a PacMan
 * dataset, and the fixed cost of a Spark job (the same query over 8 records).
 */
final class SparkBench {
  private static final String QUERY =
      "SELECT COUNT(*) FROM TABLE(inspect(models => 'pacman', units => 'conv1.*,conv2.*', "
          + "hypotheses => 'ghost,ghost_1,ghost_2,ghost_4,ghost_8', measures => 'local_iou,corr', dataset => '%s'%s))";

  private SparkBench() {}

  static void run(String workspace, String dataset, PrintStream out) throws Exception {
    String full = String.format(QUERY, dataset, ", cache => false");
    String tiny = String.format(QUERY, dataset, ", cache => false, max_records => 8");
    Properties local = new Properties();
    Properties spark = new Properties();
    spark.setProperty("engine", "spark");
    spark.setProperty("spark.master", System.getProperty("spark.master", "local[2]"));
    time(workspace, spark, tiny); // start the session and warm both paths up
    time(workspace, local, tiny);
    double localTiny = best(workspace, local, tiny);
    double sparkTiny = best(workspace, spark, tiny);
    double localFull = time(workspace, local, full);
    double sparkFull = time(workspace, spark, full);
    out.printf(Locale.ROOT, "%-34s %9s%n", "arm", "seconds");
    out.printf(Locale.ROOT, "%-34s %9.2f%n", "local engine, " + dataset, localFull);
    out.printf(
        Locale.ROOT,
        "%-34s %9.2f   %.2fx local%n",
        "spark " + spark.getProperty("spark.master"),
        sparkFull,
        sparkFull / localFull);
    out.printf(
        Locale.ROOT,
        "%-34s %9.3f   (spark %.3f s - local %.3f s, 8 records)%n",
        "spark overhead per job",
        sparkTiny - localTiny,
        sparkTiny,
        localTiny);
  }

  private static double best(String workspace, Properties properties, String sql) throws Exception {
    double best = Double.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      best = Math.min(best, time(workspace, properties, sql));
    }
    return best;
  }

  private static double time(String workspace, Properties properties, String sql) throws Exception {
    long start = System.nanoTime();
    try (Connection c = DriverManager.getConnection("jdbc:deepbase:" + workspace, properties);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
    }
    return (System.nanoTime() - start) / 1e9;
  }
}
