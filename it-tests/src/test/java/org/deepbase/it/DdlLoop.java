package org.deepbase.it;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

/**
 * Runs DeepBase DDL in a loop on an embedded workspace and prints "ack ..." after each statement
 * returned; {@link CatalogCrashTest} kills it with SIGKILL at a random moment. Arguments: workspace
 * directory, trial number.
 */
public final class DdlLoop {
  private DdlLoop() {}

  public static void main(String[] args) throws Exception {
    String trial = args[1];
    try (Connection c = DriverManager.getConnection("jdbc:deepbase:" + args[0]);
        Statement s = c.createStatement()) {
      for (int i = 0; ; i++) {
        String name = trial + "_" + i;
        s.execute("CREATE VIEW v_" + name + " AS SELECT unit, " + i + " AS n FROM units");
        acknowledge("view v_" + name + " " + i);
        s.execute("CREATE TABLE t_" + name + " AS SELECT unit, " + i + " AS n FROM units");
        acknowledge("table t_" + name + " " + i);
        if (i >= 2 && i % 2 == 0) {
          s.execute("DROP TABLE t_" + trial + "_" + (i - 2));
          acknowledge("drop t_" + trial + "_" + (i - 2) + " 0");
        }
      }
    }
  }

  private static void acknowledge(String what) {
    System.out.println("ack " + what);
    System.out.flush();
  }
}
