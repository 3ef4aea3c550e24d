import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * A remote session as a BI tool has it, run by ServerStopTest in its own JVM with only Avatica's
 * client jar and slf4j-api: a statement past the server's time limit, bad SQL, an unknown model,
 * metadata, then a connection left idle past the server's expiry. Arguments: url user password
 * long-query idle-seconds. Prints one "label: ..." line per step.
 */
public class RemoteSession {
  public static void main(String[] args) throws Exception {
    Properties properties = new Properties();
    properties.setProperty("authentication", "BASIC");
    properties.setProperty("avatica_user", args[1]);
    properties.setProperty("avatica_password", args[2]);
    try (Connection c = DriverManager.getConnection(args[0], properties)) {
      System.out.println("timeout: " + error(c, args[3]));
      System.out.println("after: " + value(c, "SELECT 1"));
      System.out.println("syntax: " + error(c, "SELEC 1"));
      System.out.println("unknown: " + error(c, args[3].replace("'pacman'", "'banshee'")));
      DatabaseMetaData meta = c.getMetaData();
      System.out.println("upper-case identifiers: " + meta.storesUpperCaseIdentifiers());
      int columns = 0;
      // What sqlline asks for `!columns behaviors` when identifiers are stored in upper case.
      try (ResultSet rs = meta.getColumns(null, null, "BEHAVIORS", null)) {
        while (rs.next()) {
          columns++;
        }
      }
      System.out.println("columns: " + columns);
      Thread.sleep(Long.parseLong(args[4]) * 1000 + 3000);
      System.out.println("valid: " + c.isValid(5));
      System.out.println("expired: " + error(c, "SELECT 1"));
    }
    try (Connection fresh = DriverManager.getConnection(args[0], properties)) {
      System.out.println("fresh: " + value(fresh, "SELECT 1"));
    }
  }

  static String value(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  static String error(Connection c, String sql) {
    long start = System.nanoTime();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        // errors may come while reading
      }
      return "no error";
    } catch (SQLException e) {
      return "[" + e.getSQLState() + "] after " + (System.nanoTime() - start) / 1_000_000 + " ms: "
          + e.getMessage();
    } catch (RuntimeException e) {
      // Avatica's client raises some server errors (e.g. from createStatement) unchecked, with the
      // state in getSqlState().
      String state = "none";
      try {
        state = String.valueOf(e.getClass().getMethod("getSqlState").invoke(e));
      } catch (ReflectiveOperationException notAvatica) {
        // no state
      }
      return "[" + state + "] unchecked " + e.getClass().getSimpleName() + ": " + e.getMessage();
    }
  }
}
