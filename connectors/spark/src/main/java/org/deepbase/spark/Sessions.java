package org.deepbase.spark;

import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** The JVM's Spark session, created on first use from a connection's {@code spark.*} settings. */
final class Sessions {
  private Sessions() {}

  static synchronized SparkSession get(Map<String, String> settings) {
    SparkSession.Builder builder =
        SparkSession.builder()
            .appName("DeepBase")
            // spark-submit sets spark.master as a system property; a connection setting wins over
            // it.
            .master(
                settings.getOrDefault(
                    "spark.master", System.getProperty("spark.master", "local[2]")))
            // DeepBase runs one inspection per job: the web UI only costs start-up time here.
            .config("spark.ui.enabled", settings.getOrDefault("spark.ui.enabled", "false"))
            .config(
                "spark.sql.shuffle.partitions",
                settings.getOrDefault("spark.sql.shuffle.partitions", "4"));
    settings.forEach(
        (key, value) -> {
          if (key.startsWith("spark.") && !key.startsWith("spark.deepbase.")) {
            builder.config(key, value);
          }
        });
    return builder.getOrCreate();
  }
}
