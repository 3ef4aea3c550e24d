package org.deepbase.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.deepbase.engine.security.Role;
import org.deepbase.engine.workspace.Workspace;
import org.deepbase.queries.pacman.PlantedAgent;
import org.deepbase.server.Users;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18's findings, each tried again as an attacker with an ordinary account would, against a
 * {@code deepbase serve} in its own JVM on 127.0.0.1: every one now gets a refusal, and the host is
 * unchanged (no file written, no alias created, no other listener, no other user's object changed).
 * The lock-out tests run last: they lock the test's own address.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecurityTest {
  static final String PASSWORD = "correct horse";
  static final String INSPECT =
      "SELECT layer, unit, score FROM TABLE(inspect(models => 'pacman', units => 'conv1.*', "
          + "hypotheses => 'ghost', measures => 'local_iou', dataset => 'pacman_test'%s)) ORDER BY layer, unit";

  @TempDir static Path root;
  static Path dir;
  static ServerProcess server;

  @BeforeAll
  static void start() throws Exception {
    dir = root.resolve("ws");
    Workspace workspace = PlantedAgent.workspace(dir, "pacman", 23, 60);
    Users.put(workspace, "alice", PASSWORD, Role.WRITER);
    Users.put(workspace, "bob", PASSWORD, Role.WRITER);
    Users.put(workspace, "rita", PASSWORD, Role.READER);
    Users.put(workspace, "ada", PASSWORD, Role.ADMIN);
    Users.put(workspace, "target", PASSWORD, Role.READER);
    server = ServerProcess.start(dir, Map.of());
  }

  @AfterAll
  static void stopAndInspectTheCatalog() throws Exception {
    server.close();
    System.out.println("server output:\n" + server.output());
    // With the server gone the catalog file is free: read it as its H2 administrator.
    Properties credentials = new Properties();
    try (var in = Files.newBufferedReader(dir.resolve("catalog/credentials.properties"))) {
      credentials.load(in);
    }
    try (Connection c =
            DriverManager.getConnection(
                "jdbc:h2:file:" + dir.resolve("catalog/deepbase"),
                "DEEPBASE_ADMIN",
                credentials.getProperty("admin"));
        Statement s = c.createStatement()) {
      try (ResultSet rs =
          s.executeQuery(
              "SELECT COUNT(*) FROM INFORMATION_SCHEMA.ROUTINES WHERE ROUTINE_SCHEMA <> "
                  + "'INFORMATION_SCHEMA' AND ROUTINE_TYPE IS NOT NULL AND ROUTINE_DEFINITION IS NOT NULL")) {
        rs.next();
        assertEquals(0, rs.getInt(1), "no alias was defined in the catalog");
      }
      List<String> tables = new ArrayList<>();
      try (ResultSet rs =
          s.executeQuery(
              "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'RESULTS' "
                  + "ORDER BY TABLE_NAME")) {
        while (rs.next()) {
          tables.add(rs.getString(1));
        }
      }
      assertFalse(tables.contains("z"), "the injected table does not exist: " + tables);
      try (ResultSet rs =
          s.executeQuery("SELECT COUNT(*) FROM INFORMATION_SCHEMA.USERS WHERE USER_NAME = ''")) {
        rs.next();
        assertEquals(0, rs.getInt(1), "no password-less H2 user");
      }
    }
    // The H2 user that runs every client's work has no admin rights: H2 itself refuses these.
    try (Connection app =
            DriverManager.getConnection(
                "jdbc:h2:file:" + dir.resolve("catalog/deepbase"),
                "DEEPBASE_APP",
                credentials.getProperty("app"));
        Statement s = app.createStatement()) {
      for (String sql :
          List.of(
              "CREATE ALIAS X FOR 'java.lang.System.getProperty'",
              "CALL CSVWRITE('" + root.resolve("app.csv") + "', 'SELECT 1')",
              "SELECT FILE_READ('/etc/hostname')",
              "RUNSCRIPT FROM '/etc/hostname'",
              "CREATE LINKED TABLE L('org.h2.Driver', 'jdbc:h2:mem:', '', '', 'T')")) {
        SQLException refused = assertThrows(SQLException.class, () -> s.execute(sql), sql);
        assertEquals(
            org.h2.api.ErrorCode.ADMIN_RIGHTS_REQUIRED,
            refused.getErrorCode(),
            sql + ": " + refused.getMessage());
      }
    }
  }

  static String fails(Connection c, String sql) {
    return Rows.messages(refused(c, sql));
  }

  static SQLException refused(Connection c, String sql) {
    return assertThrows(
        SQLException.class,
        () -> {
          try (Statement s = c.createStatement()) {
            if (s.execute(sql)) {
              try (ResultSet rs = s.getResultSet()) {
                while (rs.next()) {
                  // read everything: table functions run when scanned
                }
              }
            }
          }
        },
        sql);
  }

  /**
   * Finding 1: a column alias written as H2 SQL ran CSVWRITE and, through an alias, OS commands.
   */
  @Test
  @Order(1)
  void hostileColumnNamesBecomeLiteralColumnsAndRunNothing() throws Exception {
    Path marker = root.resolve("injected.csv");
    List<String> names =
        List.of(
            "a\" int); call csvwrite('"
                + marker
                + "', 'select 42'); create table results.\"z\" (\"b",
            "x'); create alias pwn as 'string p() { return \"\"; }'; --",
            "/* comment */ c -- tail",
            "semi;colon; drop table deepbase_views",
            "ghost \u00fcnic\u00f6de \ud83d\udc7b");
    try (Connection alice = server.connect("alice", PASSWORD)) {
      for (int i = 0; i < names.size(); i++) {
        String name = names.get(i);
        try (Statement s = alice.createStatement()) {
          s.execute(
              "CREATE TABLE hostile_"
                  + i
                  + " AS SELECT 1 AS \""
                  + name.replace("\"", "\"\"")
                  + "\"");
        }
        try (Statement s = alice.createStatement();
            ResultSet rs = s.executeQuery("SELECT * FROM hostile_" + i)) {
          assertEquals(1, rs.getMetaData().getColumnCount());
          assertEquals(
              name, rs.getMetaData().getColumnLabel(1), "the catalog holds exactly that name");
          assertTrue(rs.next());
          assertEquals(1, rs.getInt(1));
        }
      }
      // Every DDL path: names that are not identifiers are refused, SQL text is stored as data.
      for (String hostileName :
          List.of(
              "\"v\"\"; drop table deepbase_views; --\"",
              "\"x'; call csvwrite('" + marker + "', 'select 1')\"",
              "\"\u00fcml\u00e4ut; --\"")) {
        for (String ddl :
            List.of(
                "CREATE VIEW %s AS SELECT 1 AS one",
                "CREATE OR REPLACE VIEW %s AS SELECT 1 AS one",
                "DROP VIEW %s",
                "CREATE TABLE %s AS SELECT 1 AS one",
                "DROP TABLE %s")) {
          fails(alice, String.format(ddl, hostileName));
        }
      }
      String text =
          "x'); drop table deepbase_views; call csvwrite('" + marker + "', 'select 1'); --";
      try (Statement s = alice.createStatement()) {
        s.execute("CREATE VIEW quoted_text AS SELECT '" + text.replace("'", "''") + "' AS s");
      }
      assertEquals(
          List.of(text),
          Rows.of(alice, "SELECT s FROM quoted_text"),
          "the view's SQL is kept as data");
      try (Statement s = alice.createStatement()) {
        s.execute("DROP VIEW quoted_text");
      }
      try (ResultSet rs =
          alice.getMetaData().getTables(null, "deepbase", "ghost_detectors", null)) {
        assertTrue(rs.next(), "the views table is intact");
      }
    }
    assertFalse(Files.exists(marker), "CSVWRITE did not run");
  }

  /**
   * Finding 2: a client's connection properties reached Calcite (model=inline: with an H2 INIT).
   */
  @Test
  @Order(2)
  void connectionPropertiesOutsideTheAllowListAreRefusedByName() throws Exception {
    Path marker = root.resolve("model-init.csv");
    String model =
        "inline:{\"version\":\"1.0\",\"defaultSchema\":\"x\",\"schemas\":[{\"name\":\"x\",\"type\":\"jdbc\","
            + "\"jdbcUrl\":\"jdbc:h2:mem:x;INIT=CALL CSVWRITE('"
            + marker
            + "', 'select 1')\"}]}";
    Map<String, String> hostile =
        new TreeMap<>(
            Map.of(
                "model",
                model,
                "schemaFactory",
                "org.apache.calcite.adapter.jdbc.JdbcSchema$Factory",
                "fun",
                "oracle",
                "parserFactory",
                "org.apache.calcite.sql.parser.impl.SqlParserImpl#FACTORY",
                "jdbcUrl",
                "jdbc:h2:mem:y;INIT=RUNSCRIPT FROM '/etc/hostname'",
                "engine",
                "spark",
                "deepbase.role",
                "admin"));
    for (Map.Entry<String, String> property : hostile.entrySet()) {
      Properties extra = new Properties();
      extra.setProperty(property.getKey(), property.getValue());
      // Avatica's client reports a refused connection as a runtime exception carrying the server's
      // message.
      Exception e =
          assertThrows(
              Exception.class,
              () -> {
                try (Connection c = server.connect("alice", PASSWORD, extra);
                    Statement s = c.createStatement()) {
                  s.executeQuery("SELECT 1").close();
                }
              },
              property.getKey());
      assertTrue(
          Rows.messages(e)
              .contains("connection property '" + property.getKey() + "' is not allowed"),
          property.getKey() + ": " + Rows.messages(e));
    }
    assertFalse(Files.exists(marker), "the inline model's INIT did not run");
    try (Connection c = server.connect("alice", PASSWORD)) {
      assertEquals(List.of("1"), Rows.of(c, "SELECT 1"), "ordinary connections still work");
    }
  }

  /**
   * Finding 3: H2's AUTO_SERVER listened on every interface, with its key in a world-readable file.
   */
  @Test
  @Order(3)
  void theBoundPortsAreTheOnlyListenersAndTheCatalogIsPrivate() throws Exception {
    try (Connection c = server.connect("alice", PASSWORD)) {
      Rows.of(c, "SELECT COUNT(*) FROM units"); // the catalog is open now
      List<String> listening = server.listeningSockets();
      String port = String.format("%04X", server.port());
      // The Avatica port and the Flight SQL port (its own, same bind address), nothing else.
      assertEquals(2, listening.size(), "two listening sockets: " + listening);
      assertTrue(
          listening.stream()
              .allMatch(
                  l ->
                      l.startsWith("0100007F:")
                          || l.startsWith("0000000000000000FFFF00000100007F:")),
          "127.0.0.1 only: " + listening);
      assertTrue(
          listening.stream().anyMatch(l -> l.endsWith(":" + port)),
          "the Avatica port " + server.port() + " among " + listening);
    }
    assertEquals(
        "rwx------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("catalog"))));
    try (var files = Files.list(dir.resolve("catalog"))) {
      for (Path file : (Iterable<Path>) files::iterator) {
        String permissions = PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
        assertTrue(permissions.endsWith("------"), file + " is private: " + permissions);
        assertFalse(
            file.getFileName().toString().endsWith(".lock.db"),
            "no AUTO_SERVER lock file with a key: " + file);
      }
    }
    assertEquals(
        "rw-------",
        PosixFilePermissions.toString(
            Files.getPosixFilePermissions(dir.resolve("server/users.properties"))));
    // A second process cannot change the catalog the server owns (one process owns it), but the
    // rest of the workspace answers it; its DDL is refused with the reason, and nothing is lost.
    String answered =
        RestartTest.deepbase(dir, "SELECT count(*) AS n FROM units WHERE layer = 'conv1'");
    assertTrue(answered.lines().anyMatch(l -> l.equals("16")), answered);
    org.opentest4j.AssertionFailedError refused =
        assertThrows(
            org.opentest4j.AssertionFailedError.class,
            () -> RestartTest.deepbase(dir, "CREATE VIEW second_process AS SELECT 1 AS one"),
            "a second process changed the catalog");
    assertTrue(refused.getMessage().contains("is open in another process"), refused.getMessage());
  }

  /** Finding 4: register_dataset and dataset names read any file of the server. */
  @Test
  @Order(4)
  void filesOutsideTheWorkspaceAndItsDataRootsCannotBeRead() throws Exception {
    Path elsewhere = Files.createDirectories(root.resolve("elsewhere/d"));
    Files.walk(dir.resolve("datasets/pacman_test"))
        .filter(Files::isRegularFile)
        .forEach(
            f -> {
              try {
                Files.copy(f, elsewhere.resolve(f.getFileName()));
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    Files.createDirectories(dir.resolve("incoming"));
    Files.createSymbolicLink(dir.resolve("incoming/link.csv"), Path.of("/etc/hostname"));
    String register = "SELECT * FROM TABLE(register_dataset(name => 'x', path => '%s'))";
    try (Connection alice = server.connect("alice", PASSWORD);
        Connection ada = server.connect("ada", PASSWORD)) {
      assertTrue(
          fails(alice, String.format(register, dir.resolve("datasets/pacman_test/inputs.npy")))
              .contains("register_dataset needs the admin role"));
      String outside = fails(ada, String.format(register, "/etc/hostname"));
      String missing = fails(ada, String.format(register, "/nonexistent/nothing.csv"));
      assertTrue(outside.contains("is outside the workspace and the data roots"), outside);
      assertEquals("42501", refused(ada, String.format(register, "/etc/hostname")).getSQLState());
      assertEquals(
          outside.replace("/etc/hostname", "P"),
          missing.replace("/nonexistent/nothing.csv", "P"),
          "the error does not tell whether a path outside the roots exists");
      assertTrue(
          fails(ada, String.format(register, dir.resolve("incoming/link.csv")))
              .contains("is outside the workspace"),
          "a symbolic link out of the workspace is outside");
      assertTrue(
          fails(ada, String.format(register, dir.resolve("incoming/../../elsewhere/d/inputs.npy")))
              .contains("is outside the workspace"),
          "'..' is resolved first");
      assertTrue(
          fails(alice, String.format(INSPECT, "").replace("'pacman_test'", "'../../elsewhere/d'"))
              .contains("dataset name '../../elsewhere/d' is not a valid name"));
      assertTrue(
          fails(
                  alice,
                  "SELECT * FROM TABLE(inspect(models => '../ws/models/pacman', units => 'conv1.*', "
                      + "hypotheses => 'ghost', measures => 'corr', dataset => 'pacman_test'))")
              .contains("model"));
    }
    assertFalse(Files.exists(dir.resolve("datasets/x")), "nothing left behind");
    try (var files = Files.list(elsewhere)) {
      assertFalse(
          files.anyMatch(f -> f.getFileName().toString().startsWith(".")),
          "nothing written outside");
    }
  }

  /** Finding 5: one user replaced and dropped another's view and table, and the installed views. */
  @Test
  @Order(5)
  void onlyOwnersAndAdminsChangeObjectsAndReadersChangeNothing() throws Exception {
    String own =
        "CREATE OR REPLACE VIEW alice_view AS SELECT layer, unit FROM units WHERE unit < %d";
    try (Connection alice = server.connect("alice", PASSWORD);
        Connection bob = server.connect("bob", PASSWORD);
        Connection rita = server.connect("rita", PASSWORD);
        Connection ada = server.connect("ada", PASSWORD);
        Statement a = alice.createStatement()) {
      a.execute(String.format(own, 2));
      a.execute("CREATE TABLE alice_table AS SELECT layer, unit FROM units");
      assertTrue(
          fails(rita, "CREATE VIEW rita_view AS SELECT 1 AS one")
              .contains("needs the writer role"));
      assertEquals(
          "42501", refused(rita, "CREATE VIEW rita_view AS SELECT 1 AS one").getSQLState());
      assertEquals("42501", refused(bob, "DROP TABLE alice_table").getSQLState());
      assertTrue(
          fails(bob, String.format(own, 99)).contains("view 'alice_view' belongs to 'alice'"));
      assertTrue(fails(bob, "DROP VIEW alice_view").contains("belongs to 'alice'"));
      assertTrue(
          fails(bob, "DROP TABLE alice_table").contains("table 'alice_table' belongs to 'alice'"));
      assertTrue(
          fails(bob, "DROP VIEW ghost_detectors").contains("belongs to the workspace (installed)"));
      assertTrue(
          fails(bob, "CREATE OR REPLACE VIEW anticipation AS SELECT 1 AS one")
              .contains("installed"));
      assertEquals(
          List.of("5"),
          Rows.of(rita, "SELECT COUNT(DISTINCT layer) * 0 + 5 FROM alice_view"),
          "a reader reads others' views");
      int rowsBefore = Rows.of(bob, "SELECT * FROM alice_view").size();
      a.execute(String.format(own, 3)); // the owner may replace her view
      assertTrue(Rows.of(bob, "SELECT * FROM alice_view").size() > rowsBefore);
      try (Statement s = ada.createStatement()) {
        s.execute("DROP TABLE alice_table"); // an admin may drop anyone's
      }
      assertTrue(fails(alice, "SELECT * FROM alice_table").contains("alice_table"));
      try (ResultSet rs = rita.getMetaData().getTables(null, "deepbase", "ghost_detectors", null)) {
        assertTrue(rs.next(), "the installed view is still there");
      }
    }
  }

  /** Connections are per user: another user who learns a connection's id cannot use it. */
  @Test
  @Order(5)
  void anotherUsersConnectionCannotBeUsed() throws Exception {
    try (Connection alice = server.connect("alice", PASSWORD)) {
      String aliceConnection = alice.unwrap(org.apache.calcite.avatica.AvaticaConnection.class).id;
      Properties bob = new Properties();
      bob.setProperty("url", server.url());
      bob.setProperty("authentication", "BASIC");
      bob.setProperty("avatica_user", "bob");
      bob.setProperty("avatica_password", PASSWORD);
      org.apache.calcite.avatica.remote.AvaticaHttpClient client =
          org.apache.calcite.avatica.remote.AvaticaHttpClientFactoryImpl.getInstance()
              .getClient(
                  new java.net.URL("http://127.0.0.1:" + server.port()),
                  new org.apache.calcite.avatica.ConnectionConfigImpl(bob),
                  null);
      org.apache.calcite.avatica.remote.Service service =
          new org.apache.calcite.avatica.remote.RemoteProtobufService(
              client, new org.apache.calcite.avatica.remote.ProtobufTranslationImpl());
      RuntimeException e =
          assertThrows(
              RuntimeException.class,
              () ->
                  service.apply(
                      new org.apache.calcite.avatica.remote.Service.CreateStatementRequest(
                          aliceConnection)));
      assertTrue(Rows.messages(e).contains("belongs to another user"), Rows.messages(e));
      assertEquals(List.of("1"), Rows.of(alice, "SELECT 1"), "alice's connection is unharmed");
    }
  }

  /** Finding 7: damaged files, huge batches and changed cache entries. */
  @Test
  @Order(6)
  void damagedInputsAreContained() throws Exception {
    Path garbage = Files.createDirectories(dir.resolve("datasets/garbage"));
    byte[] noise = new byte[4096];
    new Random(18).nextBytes(noise);
    Files.write(garbage.resolve("data.arrow"), noise);
    Path truncated = Files.createDirectories(dir.resolve("datasets/truncated"));
    double[][] features = new double[5000][2];
    List<String> labels = new ArrayList<>();
    for (int i = 0; i < features.length; i++) {
      features[i] = new double[] {i, -i};
      labels.add("r" + i);
    }
    PythonDataTest.writeArrow(truncated.resolve("whole.arrow"), features, labels);
    byte[] whole = Files.readAllBytes(truncated.resolve("whole.arrow"));
    Files.write(
        truncated.resolve("whole.arrow"), java.util.Arrays.copyOf(whole, whole.length * 3 / 5));
    try (Connection alice = server.connect("alice", PASSWORD)) {
      List<String> expected = Rows.of(alice, String.format(INSPECT, ""));
      long before = server.residentBytes();
      for (int i = 0; i < 3; i++) {
        assertEquals(
            List.of("pacman_test"),
            Rows.of(alice, "SELECT dataset FROM datasets"),
            "damaged datasets are skipped");
      }
      long grown = server.residentBytes() - before;
      System.out.printf(
          "server RSS after three listings with a garbage and a truncated Arrow file: %+d MB%n",
          grown >> 20);
      assertTrue(
          grown < 256L << 20,
          "listing damaged files costs little memory: grew " + (grown >> 20) + " MB");
      assertEquals(
          expected,
          Rows.of(alice, String.format(INSPECT, "")),
          "INSPECT on the good dataset still works");
      assertTrue(
          fails(alice, String.format(INSPECT, ", batch_size => 1000000000"))
              .contains("batch_size 1000000000"));
      assertTrue(server.alive());
      // The cache: written, then an entry overwritten with other finite floats: a miss, the same
      // scores.
      assertEquals(expected, Rows.of(alice, String.format(INSPECT, ", cache => true")));
      List<Path> entries;
      try (var files = Files.list(dir.resolve("cache/behaviors"))) {
        entries = files.filter(f -> f.toString().endsWith(".arrow")).toList();
      }
      assertFalse(entries.isEmpty());
      for (Path entry : entries) {
        byte[] bytes = Files.readAllBytes(entry);
        ByteBuffer floats = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = (bytes.length / 3) & ~3; at < (bytes.length / 2 & ~3); at += 4) {
          if (Float.isFinite(floats.getFloat(at)) && floats.getFloat(at) != 0) {
            floats.putFloat(at, floats.getFloat(at) * 5 + 2);
          }
        }
        Files.write(entry, bytes);
      }
      assertEquals(
          expected,
          Rows.of(alice, String.format(INSPECT, ", cache => true")),
          "changed entries are misses");
    }
  }

  /** Finding 6: unsalted MD5 in the users file; HTTP only (TLS now). */
  @Test
  @Order(7)
  void passwordsAreSaltedBcryptAndTlsServes() throws Exception {
    String stored = Files.readString(dir.resolve("server/users.properties"));
    String md5 =
        HexFormat.of()
            .formatHex(
                MessageDigest.getInstance("MD5").digest(PASSWORD.getBytes(StandardCharsets.UTF_8)));
    assertFalse(stored.contains(md5), "no MD5 digest of the password");
    Properties users = new Properties();
    users.load(new java.io.StringReader(stored));
    assertTrue(users.getProperty("alice").startsWith("writer:$2a$12$"), users.getProperty("alice"));
    assertNotEquals(
        users.getProperty("alice").substring(7),
        users.getProperty("bob").substring(7),
        "the same password has different salted hashes");
    // The stored hash is not a password (Jetty's own login service would have taken it as a clear
    // one).
    String hash = users.getProperty("alice").substring("writer:".length());
    assertTrue(
        refusedLogin(() -> server.connect("alice", hash)),
        "the hash is not accepted as the password");

    Path keystore = root.resolve("server.p12");
    String storePassword = "store-secret-18";
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "deepbase",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-dname",
                "CN=127.0.0.1",
                "-ext",
                "SAN=ip:127.0.0.1",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                keystore.toString(),
                "-storepass",
                storePassword,
                "-keypass",
                storePassword)
            .redirectErrorStream(true)
            .start();
    String keytoolOutput = new String(keytool.getInputStream().readAllBytes());
    assertTrue(keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0, keytoolOutput);
    // A second server needs the workspace's catalog, which the first one owns: copy the workspace.
    Path copy = root.resolve("tls-ws");
    Workspace tlsWorkspace = PlantedAgent.workspace(copy, "pacman", 23, 20);
    Users.put(tlsWorkspace, "alice", PASSWORD, Role.READER);
    try (ServerProcess tls =
        ServerProcess.start(
            copy,
            Map.of("DEEPBASE_TLS_PASSWORD", storePassword),
            "--tls-keystore",
            keystore.toString())) {
      assertTrue(tls.url().startsWith("jdbc:avatica:remote:url=https://127.0.0.1:"), tls.url());
      Properties trust = new Properties();
      trust.setProperty("truststore", keystore.toString());
      trust.setProperty("truststore_password", storePassword);
      try (Connection c = tls.connect("alice", PASSWORD, trust)) {
        assertEquals(List.of("1"), Rows.of(c, "SELECT 1"), "queries over HTTPS");
      }
      // Plain HTTP on the TLS port gets no HTTP answer (a raw socket: Avatica's client would retry
      // for long).
      try (java.net.Socket socket = new java.net.Socket("127.0.0.1", tls.port())) {
        socket.setSoTimeout(10_000);
        socket
            .getOutputStream()
            .write(
                "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
        byte[] answer = new byte[5];
        int n;
        try {
          n = socket.getInputStream().read(answer);
        } catch (java.io.IOException closed) {
          n = -1;
        }
        assertFalse(
            n == 5 && new String(answer, StandardCharsets.US_ASCII).equals("HTTP/"),
            "plain HTTP is not served on the TLS port");
      }
    }
  }

  interface Attempt {
    Connection open() throws SQLException;
  }

  /**
   * Returns whether a connection attempt was refused as a failed login: SQLState 28000 and a
   * message saying so (the Avatica client raises it from {@code getConnection}, as a
   * RuntimeException that carries the state).
   */
  static boolean refusedLogin(Attempt attempt) {
    try (Connection c = attempt.open();
        Statement s = c.createStatement()) {
      s.executeQuery("SELECT 1").close();
      return false;
    } catch (Exception e) {
      boolean state = false;
      for (Throwable t = e; t != null; t = t.getCause()) {
        state |=
            t instanceof SQLException sql && "28000".equals(sql.getSQLState())
                || t instanceof org.apache.calcite.avatica.AvaticaClientRuntimeException r
                    && "28000".equals(r.getSqlState());
      }
      return state && Rows.messages(e).contains("authentication failed");
    }
  }

  /** Finding 6: 300 wrong passwords at 346/s with no delay or lock-out. */
  @Test
  @Order(8)
  void guessingLocksTheUserThenTheAddress() throws Exception {
    long start = System.nanoTime();
    for (int i = 0; i < 5; i++) {
      int attempt = i;
      assertTrue(refusedLogin(() -> server.connect("target", "guess-" + attempt)));
    }
    assertTrue(
        refusedLogin(() -> server.connect("target", PASSWORD)),
        "after 5 failures even the right password is refused");
    try (Connection alice = server.connect("alice", PASSWORD)) {
      assertEquals(
          List.of("1"),
          Rows.of(alice, "SELECT 1"),
          "other users still log in from the same address");
    }
    // Spraying names from one address locks the address.
    for (int i = 0; i < 30; i++) {
      int attempt = i;
      refusedLogin(() -> server.connect("sprayed" + attempt, "guess"));
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("41 guesses took %.1f s (%.0f/s)%n", seconds, 41 / seconds);
    assertTrue(
        refusedLogin(() -> server.connect("alice", PASSWORD)),
        "a locked address is refused even a right password");
    assertTrue(
        server.output().contains("locked after repeated failures")
            || server.output().contains("failed login"),
        server.output());
  }
}
