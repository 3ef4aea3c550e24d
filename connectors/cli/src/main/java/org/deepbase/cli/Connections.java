package org.deepbase.cli;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import org.deepbase.engine.Progress;
import org.deepbase.jdbc.DeepBaseDriver;

/** Opens the command line's embedded connections: their long work reports to the console. */
final class Connections {
  private Connections() {}

  /**
   * Connects to a workspace, reporting the connection's long work (extraction, inspection) to
   * {@code progress}.
   */
  static Connection open(Path workspace, Progress progress) throws SQLException {
    Properties properties = new Properties();
    properties.put(DeepBaseDriver.PROGRESS, progress);
    return DriverManager.getConnection(DeepBaseDriver.PREFIX + workspace, properties);
  }
}
