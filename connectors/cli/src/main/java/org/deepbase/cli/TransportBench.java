package org.deepbase.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.sql.FlightSqlClient;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.deepbase.server.DeepBaseServer;

/**
 * {@code deepbase bench --what transports}: rows/s of one large {@code behaviors} result read in
 * full through each way out of DeepBase, in one run, with the ratio to the embedded driver (which
 * every other arm also pays for: they read the same result set on the server side). The servers run
 * in this process on 127.0.0.1 (anonymous); each client reads every value.
 */
final class TransportBench {
  private static final int FETCH_ROWS = 8192;

  private final Path workspace;
  private final int rows;
  private final PrintStream out;

  TransportBench(Path workspace, int rows, PrintStream out) {
    this.workspace = workspace.toAbsolutePath();
    this.rows = rows;
    this.out = out;
  }

  private record Arm(String name, long rows, double seconds) {}

  void run() throws Exception {
    String sql =
        "SELECT * FROM behaviors WHERE model = 'pacman' AND dataset = 'pacman_test' "
            + "AND layer = 'conv1' LIMIT "
            + rows;
    out.println("transports: " + sql);
    try (DeepBaseServer protobuf = server(DeepBaseServer.Serialization.protobuf, 0);
        DeepBaseServer json = server(DeepBaseServer.Serialization.json, -1)) {
      Map<String, Reader> arms = new LinkedHashMap<>();
      arms.put("embedded JDBC", () -> readJdbc("jdbc:deepbase:" + workspace, sql));
      arms.put("CLI --format arrow", () -> cliArrow(sql));
      arms.put("Avatica protobuf", () -> readJdbc(protobuf.url(), sql));
      arms.put("Avatica JSON", () -> readJdbc(json.url(), sql));
      arms.put("Flight SQL", () -> readFlight(protobuf.flightPort(), sql));
      List<Arm> timed = new ArrayList<>();
      // Round 1 warms every arm (JIT, model load, caches); round 2 is the one reported.
      for (int round = 1; round <= 2; round++) {
        timed.clear();
        for (Map.Entry<String, Reader> arm : arms.entrySet()) {
          timed.add(time(round, arm.getKey(), arm.getValue()));
        }
      }
      report(timed);
    }
  }

  private DeepBaseServer server(DeepBaseServer.Serialization serialization, int flightPort)
      throws Exception {
    return DeepBaseServer.start(
        new DeepBaseServer.Settings(workspace, "127.0.0.1", 0, true)
            .withFlightPort(flightPort)
            .withSerialization(serialization));
  }

  private void report(List<Arm> arms) {
    double base = arms.get(0).rows() / arms.get(0).seconds();
    out.printf(Locale.ROOT, "%-22s %10s %8s %12s %8s%n", "arm", "rows", "s", "rows/s", "ratio");
    for (Arm arm : arms) {
      double rate = arm.rows() / arm.seconds();
      out.printf(
          Locale.ROOT,
          "%-22s %10d %8.2f %12.0f %8.2f%n",
          arm.name(),
          arm.rows(),
          arm.seconds(),
          rate,
          rate / base);
    }
    out.println("ratio: rows/s over the embedded driver's (1.00), round 2 of 2; 2-core noise ~10%");
  }

  private interface Reader {
    long read() throws Exception;
  }

  private Arm time(int round, String name, Reader reader) throws Exception {
    long start = System.nanoTime();
    long n = reader.read();
    Arm arm = new Arm(name, n, (System.nanoTime() - start) / 1e9);
    out.printf(Locale.ROOT, "  round %d, %s: %d rows in %.2f s%n", round, name, n, arm.seconds());
    return arm;
  }

  private static long readJdbc(String url, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      s.setFetchSize(FETCH_ROWS);
      try (ResultSet rs = s.executeQuery(sql)) {
        int columns = rs.getMetaData().getColumnCount();
        long n = 0;
        while (rs.next()) {
          for (int i = 1; i <= columns; i++) {
            rs.getObject(i);
          }
          n++;
        }
        return n;
      }
    }
  }

  private long cliArrow(String sql) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:deepbase:" + workspace);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      return ResultFormat.arrow.write(rs, OutputStream.nullOutputStream());
    }
  }

  private static long readFlight(int port, String sql) throws Exception {
    try (BufferAllocator allocator = new RootAllocator();
        FlightClient client =
            FlightClient.builder(allocator, Location.forGrpcInsecure("127.0.0.1", port)).build();
        FlightSqlClient sqlClient = new FlightSqlClient(client)) {
      FlightInfo info = sqlClient.execute(sql);
      long n = 0;
      for (FlightEndpoint endpoint : info.getEndpoints()) {
        try (FlightStream stream = sqlClient.getStream(endpoint.getTicket())) {
          while (stream.next()) {
            n += stream.getRoot().getRowCount();
          }
        }
      }
      return n;
    }
  }
}
