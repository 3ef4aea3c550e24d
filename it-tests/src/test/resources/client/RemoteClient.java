import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Properties;

/**
 * A minimal remote JDBC client, run by ServerTest in its own JVM with only the standalone Avatica
 * client jar and slf4j-api on the class path (what a BI tool loads). Arguments: url user password
 * sql (user "-" for no authentication). Prints one line per row, columns separated by '|'.
 */
public class RemoteClient {
  public static void main(String[] args) throws Exception {
    Properties properties = new Properties();
    if (!args[1].equals("-")) {
      properties.setProperty("authentication", "BASIC");
      properties.setProperty("avatica_user", args[1]);
      properties.setProperty("avatica_password", args[2]);
    }
    try (Connection c = connect(args[0], properties); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery(args[3])) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        StringBuilder line = new StringBuilder();
        for (int i = 1; i <= n; i++) {
          line.append(i > 1 ? "|" : "").append(rs.getString(i));
        }
        System.out.println(line);
      }
    }
  }

  /** Connects; a refusal is printed with its SQLState (Avatica raises some as RuntimeExceptions). */
  static Connection connect(String url, Properties properties) throws Exception {
    try {
      return DriverManager.getConnection(url, properties);
    } catch (RuntimeException e) {
      String state = "none";
      try {
        state = String.valueOf(e.getClass().getMethod("getSqlState").invoke(e));
      } catch (ReflectiveOperationException notAvatica) {
        // no state to print
      }
      System.out.println("refused: " + e.getMessage() + " [SQLState " + state + "]");
      throw e;
    }
  }
}
