package org.deepbase.jdbc;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import org.deepbase.engine.extract.ExtractionMetrics;

/**
 * Embedded connections whose forward passes a test counts (each test class has its own metrics).
 */
final class Metered {
  private Metered() {}

  /** Connects to a workspace, counting the connection's forward passes in {@code metrics}. */
  static Connection connect(Path dir, ExtractionMetrics metrics) throws SQLException {
    Properties properties = new Properties();
    properties.put(DeepBaseDriver.METRICS, metrics);
    return DriverManager.getConnection("jdbc:deepbase:" + dir, properties);
  }
}
