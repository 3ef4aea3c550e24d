import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.CallOption;
import org.apache.arrow.flight.CancelFlightInfoRequest;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.grpc.CredentialCallOption;
import org.apache.arrow.flight.sql.FlightSqlClient;
import org.apache.arrow.flight.sql.impl.FlightSql;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A Flight SQL client run by FlightSqlTest in its own JVM with only Arrow Flight's jars on the class
 * path (no DeepBase class). Arguments: port user password command [args]; user "-" for none.
 * Commands: metadata (catalogs, schemas, SQL info); tables; query SQL; digest SQL (row count and SHA-256 of the rows); prepared SQL
 * PARAM...; cancel SQL SECONDS. Rows print as columns joined by '|'.
 */
public class FlightSqlProgram {
  public static void main(String[] args) throws Exception {
    try (BufferAllocator allocator = new RootAllocator();
        FlightClient client =
            FlightClient.builder(allocator, Location.forGrpcInsecure("127.0.0.1", Integer.parseInt(args[0])))
                .build();
        FlightSqlClient sql = new FlightSqlClient(client)) {
      CallOption[] auth =
          args[1].equals("-")
              ? new CallOption[0]
              : new CallOption[] {client.authenticateBasicToken(args[1], args[2]).orElseThrow()};
      switch (args[3]) {
        case "tables" -> {
          FlightInfo info = sql.getTables(null, null, null, null, false, auth);
          for (String row : rows(sql, info, auth)) {
            System.out.println("table " + row);
          }
        }
        case "metadata" -> {
          rows(sql, sql.getCatalogs(auth), auth).forEach(r -> System.out.println("catalog " + r));
          rows(sql, sql.getSchemas(null, null, auth), auth).forEach(r -> System.out.println("schema " + r));
          FlightInfo info = sql.getSqlInfo(new FlightSql.SqlInfo[] {FlightSql.SqlInfo.FLIGHT_SQL_SERVER_NAME,
              FlightSql.SqlInfo.FLIGHT_SQL_SERVER_CANCEL, FlightSql.SqlInfo.SQL_IDENTIFIER_QUOTE_CHAR}, auth);
          rows(sql, info, auth).forEach(r -> System.out.println("info " + r));
        }
        case "query" -> rows(sql, sql.execute(args[4], auth), auth).forEach(System.out::println);
        case "digest" -> System.out.println(digest(rows(sql, sql.execute(args[4], auth), auth)));
        case "prepared" -> {
          FlightSqlClient.PreparedStatement prepared = sql.prepare(args[4], auth);
          try {
            Schema parameters = prepared.getParameterSchema();
            VectorSchemaRoot values = VectorSchemaRoot.create(parameters, allocator);
            for (int i = 0; i < parameters.getFields().size(); i++) {
              VarCharVector v = (VarCharVector) values.getVector(i);
              v.setSafe(0, args[5 + i].getBytes(StandardCharsets.UTF_8));
            }
            values.setRowCount(1);
            prepared.setParameters(values);
            System.out.println(digest(rows(sql, prepared.execute(auth), auth)));
          } finally {
            prepared.close(auth); // close() alone would go without the token: refused
          }
        }
        case "cancel" -> {
          FlightInfo info = sql.execute(args[4], auth);
          CompletableFuture<String> stream =
              CompletableFuture.supplyAsync(
                  () -> {
                    try {
                      return "stream ended: " + rows(sql, info, auth).size() + " rows";
                    } catch (Exception e) {
                      return "stream ended: " + e.getMessage();
                    }
                  });
          System.out.println("started");
          Thread.sleep(Long.parseLong(args[5]) * 1000);
          System.out.println("cancel " + sql.cancelFlightInfo(new CancelFlightInfoRequest(info), auth));
          System.out.println(stream.get(60, TimeUnit.SECONDS));
          System.out.flush();
          Thread.sleep(8000); // the test watches the server's forward passes meanwhile
        }
        default -> throw new IllegalArgumentException(args[3]);
      }
    } catch (Exception e) {
      System.out.println("error: " + e);
      if (System.getenv("FLIGHT_DEBUG") != null) {
        e.printStackTrace(System.out);
      }
      System.exit(1);
    }
  }

  static List<String> rows(FlightSqlClient sql, FlightInfo info, CallOption... auth) throws Exception {
    List<String> rows = new ArrayList<>();
    for (FlightEndpoint endpoint : info.getEndpoints()) {
      try (FlightStream stream = sql.getStream(endpoint.getTicket(), auth)) {
        while (stream.next()) {
          VectorSchemaRoot root = stream.getRoot();
          for (int r = 0; r < root.getRowCount(); r++) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < root.getFieldVectors().size(); c++) {
              Object value = root.getVector(c).getObject(r);
              line.append(c > 0 ? "|" : "").append(value == null ? "null" : value.toString());
            }
            rows.add(line.toString());
          }
        }
      }
    }
    return rows;
  }

  static String digest(List<String> rows) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    for (String row : rows) {
      sha.update((row + "\n").getBytes(StandardCharsets.UTF_8));
    }
    return "rows=" + rows.size() + " sha256=" + HexFormat.of().formatHex(sha.digest());
  }
}
