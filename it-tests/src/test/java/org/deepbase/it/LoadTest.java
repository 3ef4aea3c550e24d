package org.deepbase.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.deepbase.engine.security.Role;
import org.deepbase.engine.workspace.Workspace;
import org.deepbase.queries.pacman.DatasetGenerator;
import org.deepbase.queries.pacman.Maze;
import org.deepbase.queries.pacman.PlantedAgent;
import org.deepbase.server.Users;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15's load test, on loopback only and bounded in time: 32 remote clients against {@code
 * deepbase serve} in its own JVM, each looping over metadata calls, an INSPECT, a prepared INSPECT
 * and a prepared {@code behaviors} scan (parameters bound at scan time), plus one query per client
 * stopped by the server's statement time limit. Every answer is compared with the embedded answer
 * computed before the server started; the server's resident memory is compared after a warm-up (one
 * round, then {@link #WARM_UP_SECONDS} of full load) and at the end. {@code
 * -Ddeepbase.load.seconds=N} changes the duration (60 by default).
 */
class LoadTest {
  static final int CLIENTS = 32;

  /**
   * Queries after the warm-up before the memory is compared (the run goes on past the duration).
   */
  static final int MIN_QUERIES = 1000;

  static final int RECORDS = 40;

  /**
   * Seconds of full load between the first round and the memory baseline. 20 s sufficed on the
   * machine the test was written on. On a freshly provisioned CI machine the native allocators
   * (malloc under libtorch, outside what the JVM's native memory tracking sees) kept growing in a
   * sawtooth for about two minutes and then held (240 s run: 2644 -> 3018 MiB, then 2951-3047 MiB
   * for two minutes, about 4 KB per query at most over its last 13,000 queries), so a 20 s baseline
   * measured that warm-up, not a leak, and failed a CI run at +10.5 %.
   */
  static final int WARM_UP_SECONDS = 150;

  /** The server's statement time limit: the long query of each client runs into it. */
  static final int TIMEOUT_SECONDS = 6;

  static final String INSPECT =
      "SELECT unit, score FROM TABLE(inspect(models => 'pacman', units => 'conv1.%d', "
          + "hypotheses => 'ghost', measures => 'local_iou', dataset => 'pacman_test'))";
  static final String PREPARED_INSPECT =
      "SELECT unit, score FROM TABLE(inspect(models => ?, units => ?, hypotheses => 'walls', "
          + "measures => 'corr', dataset => 'pacman_test'))";
  static final String PREPARED_SCAN =
      "SELECT COUNT(*), SUM(behavior) FROM behaviors WHERE model = ? AND layer = ? AND unit = ? "
          + "AND dataset = 'pacman_test' AND record_id < ?";
  static final String LONG =
      "SELECT * FROM TABLE(inspect(models => 'pacman', units => 'conv1.*,conv2.*', "
          + "hypotheses => 'ghost,ghost_1,ghost_2,ghost_4,ghost_8,walls,dots', "
          + "measures => 'iou,local_iou,corr,auc', dataset => 'pacman_big', batch_size => 1))";

  @Test
  void thirtyTwoClientsGetRightAnswersAndTheServerStaysFlat(@TempDir Path dir) throws Exception {
    long seconds = Long.getLong("deepbase.load.seconds", 60);
    Workspace workspace = PlantedAgent.workspace(dir, "pacman", 53, RECORDS);
    // The stopped queries read a larger set: minutes of work, so a close always finds them running.
    DatasetGenerator.write(workspace.datasetDir("pacman_big"), "pacman_big", 54, 1500);
    Users.put(workspace, "alice", SecurityTest.PASSWORD, Role.READER);
    Expected expected = Expected.compute(dir);

    // The heap is committed up front (-Xms = -Xmx, pre-touched), so RSS growth shows what a heap
    // sizing itself would hide: native memory (PyTorch, Arrow), threads, leaks outside the heap.
    try (ServerProcess server =
        ServerProcess.start(
            dir,
            Map.of(),
            List.of("-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"),
            "--query-timeout",
            String.valueOf(TIMEOUT_SECONDS))) {
      ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
      ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
      AtomicLong queries = new AtomicLong();
      AtomicLong cancels = new AtomicLong();
      long[] rss = new long[2];
      ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
      try {
        // Warm-up: every kind of query once per client (a stopped one too), then the baseline
        // memory.
        run(
            pool,
            server,
            expected,
            new long[] {Long.MAX_VALUE, Long.MAX_VALUE},
            1,
            latencies,
            failures,
            queries,
            cancels,
            true,
            0);
        // Then the same mix under full load for WARM_UP_SECONDS: the JIT's code cache and
        // metaspace, the server's thread pool and PyTorch's per-thread state settle here (measured
        // with -XX:NativeMemoryTracking: ~70 MB of code and metaspace in the first minute), so
        // what grows after the baseline is what a leak would grow.
        long warm = System.nanoTime();
        run(
            pool,
            server,
            expected,
            new long[] {
              warm + TimeUnit.SECONDS.toNanos(WARM_UP_SECONDS),
              warm + TimeUnit.SECONDS.toNanos(WARM_UP_SECONDS)
            },
            Integer.MAX_VALUE,
            latencies,
            failures,
            queries,
            cancels,
            false,
            0);
        rss[0] = server.residentBytes();
        long queriesAtBaseline = queries.get();
        long cancelsAtBaseline = cancels.get();
        latencies.clear();
        long start = System.nanoTime();
        long[] deadline = {
          start + TimeUnit.SECONDS.toNanos(seconds), start + TimeUnit.SECONDS.toNanos(3 * seconds)
        };
        // RSS every 5 s: a leak climbs through the run, a warm-up effect levels off.
        ConcurrentLinkedQueue<Long> series = new ConcurrentLinkedQueue<>();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleAtFixedRate(
            () -> {
              try {
                series.add(server.residentBytes() >> 20);
              } catch (IOException | RuntimeException e) {
                series.add(-1L);
              }
            },
            5,
            5,
            TimeUnit.SECONDS);
        try {
          run(
              pool,
              server,
              expected,
              deadline,
              Integer.MAX_VALUE,
              latencies,
              failures,
              queries,
              cancels,
              true,
              queriesAtBaseline + MIN_QUERIES);
        } finally {
          sampler.shutdownNow();
        }
        rss[1] = server.residentBytes();
        double elapsed = (System.nanoTime() - start) / 1e9;
        long measured = queries.get() - queriesAtBaseline;
        long stopped = cancels.get() - cancelsAtBaseline;
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        System.out.printf(
            Locale.ROOT,
            "load: %d clients, %.0f s, %d queries after warm-up (%.1f/s), %d stopped by the time limit;"
                + " latency p50 %.0f ms, p99 %.0f ms; server RSS %d MiB after warm-up -> %d MiB"
                + " (%+.1f%%); every 5 s: %s MiB%n",
            CLIENTS,
            elapsed,
            measured,
            measured / elapsed,
            stopped,
            percentile(sorted, 0.50) / 1e6,
            percentile(sorted, 0.99) / 1e6,
            rss[0] >> 20,
            rss[1] >> 20,
            100.0 * (rss[1] - rss[0]) / rss[0],
            series);
        assertTrue(failures.isEmpty(), failures.size() + " wrong answers or errors: " + failures);
        assertEquals(CLIENTS, stopped, "one stopped query per client");
        assertTrue(
            measured >= MIN_QUERIES || seconds < 60,
            "at least " + MIN_QUERIES + " queries before the memory is compared: " + measured);
        assertTrue(
            rss[1] < rss[0] * 1.10,
            "server RSS grew by less than 10 %: "
                + (rss[0] >> 20)
                + " -> "
                + (rss[1] >> 20)
                + " MiB");
        assertTrue(server.alive(), "the server is still up");
        assertTrue(
            !server.output().contains("Exception") && !server.output().contains("ERROR"),
            "no server-side error:\n" + server.output());
      } finally {
        pool.shutdownNow();
      }
    }
  }

  /** Runs every client until the deadline or for {@code rounds} rounds, whichever comes first. */
  private static void run(
      ExecutorService pool,
      ServerProcess server,
      Expected expected,
      long[] deadline,
      int rounds,
      ConcurrentLinkedQueue<Long> latencies,
      ConcurrentLinkedQueue<String> failures,
      AtomicLong queries,
      AtomicLong cancels,
      boolean withCancel,
      long target)
      throws Exception {
    List<Future<?>> clients = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      int client = c;
      clients.add(
          pool.submit(
              () -> {
                Client work = new Client(client, expected, latencies, failures, queries);
                try (Connection connection = server.connect("alice", SecurityTest.PASSWORD)) {
                  for (int round = 0; round < rounds && !done(deadline, queries, target); round++) {
                    work.round(connection, round);
                    if (withCancel && round == 0) {
                      work.stopped(connection, cancels);
                    }
                  }
                } catch (Exception e) {
                  failures.add("client " + client + ": " + Rows.messages(e));
                }
                return null;
              }));
    }
    for (Future<?> f : clients) {
      f.get(900, TimeUnit.SECONDS);
    }
  }

  /**
   * Returns whether a phase is over: past its deadline with {@code target} queries done, or past
   * three times its duration whatever the count (bounded time).
   */
  private static boolean done(long[] deadline, AtomicLong queries, long target) {
    long now = System.nanoTime();
    return now >= deadline[1] || now >= deadline[0] && queries.get() >= target;
  }

  private static double percentile(List<Long> sorted, double p) {
    return sorted.isEmpty() ? 0 : sorted.get((int) Math.min(sorted.size() - 1, p * sorted.size()));
  }

  /** The embedded answers every remote answer must equal. */
  private record Expected(
      Map<Integer, String> inspect, Map<Integer, String> preparedInspect, String scan, int tables) {
    static Expected compute(Path dir) throws SQLException {
      Map<Integer, String> inspect = new HashMap<>();
      Map<Integer, String> prepared = new HashMap<>();
      try (Connection c = DriverManager.getConnection("jdbc:deepbase:" + dir)) {
        for (int unit = 0; unit < 16; unit++) {
          inspect.put(unit, Rows.of(c, String.format(Locale.ROOT, INSPECT, unit)).get(0));
          prepared.put(unit, LoadTest.preparedInspect(c, unit).get(0));
        }
        String scan = preparedScan(c, PlantedAgent.GHOST_UNIT).get(0);
        assertEquals(
            RECORDS * Maze.CELLS + "|", scan.substring(0, scan.indexOf('|') + 1), "scan count");
        return new Expected(inspect, prepared, scan, LoadTest.tables(c));
      }
    }
  }

  static List<String> preparedInspect(Connection c, int unit) throws SQLException {
    try (PreparedStatement p = c.prepareStatement(PREPARED_INSPECT)) {
      p.setString(1, "pacman");
      p.setString(2, "conv2." + unit);
      return lines(p);
    }
  }

  static List<String> preparedScan(Connection c, int unit) throws SQLException {
    try (PreparedStatement p = c.prepareStatement(PREPARED_SCAN)) {
      p.setString(1, "pacman");
      p.setString(2, "conv1");
      p.setInt(3, unit);
      p.setInt(4, RECORDS);
      return lines(p);
    }
  }

  private static List<String> lines(PreparedStatement p) throws SQLException {
    try (ResultSet rs = p.executeQuery()) {
      return Rows.of(rs);
    }
  }

  static int tables(Connection c) throws SQLException {
    int n = 0;
    try (ResultSet rs = c.getMetaData().getTables(null, "deepbase", "%", null)) {
      while (rs.next()) {
        n++;
      }
    }
    return n;
  }

  /** One client's mix of queries; each answer is checked and timed. */
  private record Client(
      int id,
      Expected expected,
      ConcurrentLinkedQueue<Long> latencies,
      ConcurrentLinkedQueue<String> failures,
      AtomicLong queries) {

    void round(Connection c, int round) {
      int unit = (id + round) % 16;
      check("metadata", expected.tables(), () -> tables(c));
      check(
          "columns of behaviors",
          8,
          () -> {
            DatabaseMetaData meta = c.getMetaData();
            int n = 0;
            try (ResultSet rs = meta.getColumns(null, "deepbase", "behaviors", "%")) {
              while (rs.next()) {
                n++;
              }
            }
            return n;
          });
      check(
          "inspect conv1." + unit,
          expected.inspect().get(unit),
          () -> Rows.of(c, String.format(Locale.ROOT, INSPECT, unit)).get(0));
      check(
          "prepared inspect conv2." + unit,
          expected.preparedInspect().get(unit),
          () -> preparedInspect(c, unit).get(0));
      check(
          "prepared scan", expected.scan(), () -> preparedScan(c, PlantedAgent.GHOST_UNIT).get(0));
    }

    /**
     * Runs a long query (minutes of work) that the server's statement time limit stops; the client
     * must get SQLState 57014 and its connection must go on working (the next round uses it).
     * (Closing the statement from another thread stops a query too, ServerStopTest; under this load
     * 2-9 of 32 closes did not, see the issue 15 note.)
     */
    void stopped(Connection c, AtomicLong cancels) {
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery(LONG)) {
        rs.next();
        failures.add("client " + id + ": the long query was not stopped by the time limit");
      } catch (SQLException e) {
        if ("57014".equals(e.getSQLState()) && Rows.messages(e).contains("query timeout")) {
          cancels.incrementAndGet();
        } else {
          failures.add("client " + id + " stop: " + e.getSQLState() + " " + Rows.messages(e));
        }
      }
    }

    private <T> void check(String what, T expectedAnswer, Query<T> query) {
      long start = System.nanoTime();
      try {
        T answer = query.run();
        latencies.add(System.nanoTime() - start);
        queries.incrementAndGet();
        if (!expectedAnswer.equals(answer)) {
          failures.add(
              "client " + id + " " + what + ": " + answer + " instead of " + expectedAnswer);
        }
      } catch (SQLException | RuntimeException e) {
        failures.add("client " + id + " " + what + ": " + Rows.messages(e));
      }
    }
  }

  /** A query returning one comparable answer. */
  @FunctionalInterface
  private interface Query<T> {
    T run() throws SQLException;
  }
}
