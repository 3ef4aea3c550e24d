package org.deepbase.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.calcite.avatica.metrics.noop.NoopMetricsSystem;
import org.apache.calcite.avatica.remote.AuthenticationType;
import org.apache.calcite.avatica.remote.LocalService;
import org.apache.calcite.avatica.server.AvaticaHandler;
import org.apache.calcite.avatica.server.AvaticaJsonHandler;
import org.apache.calcite.avatica.server.AvaticaProtobufHandler;
import org.apache.calcite.avatica.server.AvaticaServerConfiguration;
import org.apache.calcite.avatica.server.HttpRequestRemoteUserExtractor;
import org.apache.calcite.avatica.server.HttpServer;
import org.apache.calcite.avatica.server.RemoteUserDisallowedException;
import org.apache.calcite.avatica.server.RemoteUserExtractor;
import org.apache.calcite.avatica.server.ServerCustomizer;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.extract.ExtractionMetrics;
import org.deepbase.engine.security.Principal;
import org.deepbase.engine.security.Role;
import org.deepbase.engine.workspace.Workspace;
import org.deepbase.jdbc.ClientProperties;
import org.deepbase.jdbc.DeepBaseDriver;
import org.deepbase.server.flight.FlightSessions;
import org.deepbase.server.flight.FlightSqlEndpoint;
import org.deepbase.store.CatalogStore;
import org.eclipse.jetty.security.ConstraintSecurityHandler;
import org.eclipse.jetty.security.HashLoginService;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Serves a workspace to remote JDBC clients (Avatica over HTTP or HTTPS, protobuf): every client
 * connection gets its own {@code jdbc:deepbase:} connection, opened as the authenticated user with
 * that user's role (see docs/security.md).
 *
 * <p>Bound to 127.0.0.1 unless told otherwise; it is the process's only listener. Authentication is
 * HTTP Basic against {@code <workspace>/server/users.properties} ({@link Users}: bcrypt hashes,
 * {@link PasswordLoginService}: lock-out after repeated failures); without users the server refuses
 * to start unless anonymous access is asked for, and anonymous clients are readers.
 */
public final class DeepBaseServer implements AutoCloseable {
  public static final String ROLE = "deepbase";

  /** The principal of every client of a server started with anonymous access. */
  static final Principal ANONYMOUS = new Principal("anonymous", Role.READER);

  private final HttpServer server;
  private final String host;
  private final boolean tls;
  private final Serialization serialization;

  /**
   * Held while the server runs: the workspace's catalog stays this process's (see CatalogDatabase).
   */
  private final CatalogStore catalog;

  private final ClientMeta meta;
  private final @Nullable FlightSqlEndpoint flight;

  /** Counts the forward passes of the Flight SQL endpoint's statements. */
  private final ExtractionMetrics flightMetrics;

  private DeepBaseServer(
      HttpServer server,
      String host,
      boolean tls,
      Serialization serialization,
      CatalogStore catalog,
      ClientMeta meta,
      @Nullable FlightSqlEndpoint flight,
      ExtractionMetrics flightMetrics) {
    this.server = server;
    this.host = host;
    this.tls = tls;
    this.serialization = serialization;
    this.catalog = catalog;
    this.meta = meta;
    this.flight = flight;
    this.flightMetrics = flightMetrics;
  }

  /**
   * Settings of a server.
   *
   * @param sparkAllowed whether clients may choose {@code engine=spark} and set {@code spark.*}
   * @param tlsKeystore a Java keystore (PKCS12 or JKS) with the server's key and certificate: HTTPS
   *     instead of HTTP; null for plain HTTP
   * @param tlsPassword the keystore's password (null without TLS)
   * @param queryTimeoutSeconds the longest a statement may run (cancelled after); 0 for no limit
   * @param idle how long a client connection (or Flight SQL statement) may stay unused before the
   *     server closes it
   * @param flightPort the Arrow Flight SQL port (0: any free port); negative for no Flight SQL
   * @param serialization Avatica's wire format: protobuf (faster), or JSON (readable by any HTTP
   *     client, e.g. tools/deepbase_client.py)
   */
  public record Settings(
      Path workspace,
      String bind,
      int port,
      boolean anonymous,
      boolean sparkAllowed,
      @Nullable Path tlsKeystore,
      @Nullable String tlsPassword,
      int queryTimeoutSeconds,
      java.time.Duration idle,
      int flightPort,
      Serialization serialization) {
    /**
     * Plain HTTP, no Spark, no query time limit, connections closed after 10 idle minutes, no
     * Flight SQL.
     */
    public Settings(Path workspace, String bind, int port, boolean anonymous) {
      this(
          workspace,
          bind,
          port,
          anonymous,
          false,
          null,
          null,
          0,
          java.time.Duration.ofMinutes(10),
          -1,
          Serialization.protobuf);
    }

    /** These settings with a Flight SQL port (0: any free port; negative: none). */
    public Settings withFlightPort(int port) {
      return new Settings(
          workspace,
          bind,
          this.port,
          anonymous,
          sparkAllowed,
          tlsKeystore,
          tlsPassword,
          queryTimeoutSeconds,
          idle,
          port,
          serialization);
    }

    /** These settings with another Avatica wire format. */
    public Settings withSerialization(Serialization format) {
      return new Settings(
          workspace,
          bind,
          port,
          anonymous,
          sparkAllowed,
          tlsKeystore,
          tlsPassword,
          queryTimeoutSeconds,
          idle,
          flightPort,
          format);
    }
  }

  /** Avatica's wire formats; lower-case as the command line writes them. */
  public enum Serialization {
    protobuf,
    json
  }

  /** Starts a server; port 0 picks a free port. */
  public static DeepBaseServer start(Settings settings) throws SQLException, IOException {
    Workspace workspace = new Workspace(settings.workspace());
    Path users = Users.file(workspace);
    if (!settings.anonymous() && !Files.isRegularFile(users)) {
      throw new IllegalStateException(
          "no users in "
              + users
              + ": add one with 'deepbase user --workspace "
              + workspace.root()
              + " --name NAME --role reader|writer|admin' or start with --anonymous");
    }
    ThreadLocal<@Nullable Principal> caller = new ThreadLocal<>();
    ClientMeta meta =
        new ClientMeta(
            "jdbc:deepbase:" + workspace.root(),
            caller,
            settings.sparkAllowed(),
            settings.queryTimeoutSeconds(),
            settings.idle());
    PasswordLoginService logins = new PasswordLoginService(users);
    CallerConfiguration callers = new CallerConfiguration(settings.anonymous(), logins, caller);
    LocalService service = new LocalService(meta.guarded());
    AvaticaHandler handler =
        settings.serialization() == Serialization.json
            ? new AvaticaJsonHandler(service, NoopMetricsSystem.getInstance(), callers)
            : new AvaticaProtobufHandler(service, NoopMetricsSystem.getInstance(), callers);
    ServerCustomizer<Server> bind =
        server -> {
          for (Connector c : server.getConnectors()) {
            if (c instanceof ServerConnector connector) {
              connector.setHost(settings.bind());
            }
          }
        };
    ServerCustomizer<Server> login =
        server -> {
          // Avatica's Basic set-up reads a Jetty HashLoginService file (MD5 or clear passwords);
          // ours
          // checks bcrypt hashes and throttles. Swap it in, and fail rather than serve with the
          // other.
          List<ConstraintSecurityHandler> security =
              List.of(server.getChildHandlersByClass(ConstraintSecurityHandler.class)).stream()
                  .map(ConstraintSecurityHandler.class::cast)
                  .toList();
          if (security.size() != 1) {
            throw new IllegalStateException(
                "expected one security handler, found " + security.size());
          }
          security.get(0).setLoginService(logins);
          security.get(0).setAuthenticator(new RefusedLogins(errorBody(settings, service)));
          server.getBeans(HashLoginService.class).forEach(server::removeBean);
          server.addBean(logins);
        };
    HttpServer.Builder<Server> builder =
        new HttpServer.Builder<Server>().withHandler(handler).withPort(settings.port());
    if (settings.anonymous()) {
      builder.withServerCustomizers(List.of(bind), Server.class);
    } else {
      builder
          .withBasicAuthentication(users.toString(), new String[] {ROLE})
          .withServerCustomizers(List.of(bind, login), Server.class);
    }
    if (settings.tlsKeystore() != null) {
      java.io.File keystore = settings.tlsKeystore().toFile();
      if (!keystore.isFile()) {
        throw new IllegalArgumentException("no TLS keystore at " + keystore);
      }
      String password = settings.tlsPassword() == null ? "" : settings.tlsPassword();
      builder.withTLS(keystore, password, keystore, password);
    }
    CatalogStore catalog = new CatalogStore(workspace.root());
    ExtractionMetrics flightMetrics = new ExtractionMetrics();
    FlightSqlEndpoint flight = null;
    try {
      if (settings.flightPort() >= 0) {
        flight = startFlight(settings, logins, "jdbc:deepbase:" + workspace.root(), flightMetrics);
      }
      HttpServer server = builder.build();
      server.start();
      return new DeepBaseServer(
          server,
          settings.bind(),
          settings.tlsKeystore() != null,
          settings.serialization(),
          catalog,
          meta,
          flight,
          flightMetrics);
    } catch (IOException | RuntimeException e) {
      if (flight != null) {
        flight.close();
      }
      catalog.release();
      throw e;
    }
  }

  /** Returns how an error is encoded in the server's serialization (Avatica's error response). */
  private static java.util.function.Function<Exception, byte[]> errorBody(
      Settings settings, LocalService service) {
    if (settings.serialization() == Serialization.json) {
      org.apache.calcite.avatica.remote.JsonHandler json =
          new org.apache.calcite.avatica.remote.JsonHandler(
              service, NoopMetricsSystem.getInstance());
      return e ->
          json.convertToErrorResponse(e)
              .getResponse()
              .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
    org.apache.calcite.avatica.remote.ProtobufHandler protobuf =
        new org.apache.calcite.avatica.remote.ProtobufHandler(
            service,
            new org.apache.calcite.avatica.remote.ProtobufTranslationImpl(),
            NoopMetricsSystem.getInstance());
    return e -> protobuf.convertToErrorResponse(e).getResponse();
  }

  /** Starts the Flight SQL endpoint: same bind address, users, roles and keystore. */
  private static FlightSqlEndpoint startFlight(
      Settings settings, PasswordLoginService logins, String url, ExtractionMetrics metrics)
      throws IOException {
    FlightSessions sessions =
        new FlightSessions() {
          @Override
          public @Nullable Principal principal(String peerIdentity) {
            if (settings.anonymous()) {
              return ANONYMOUS;
            }
            Role role = logins.roleOf(peerIdentity);
            return role == null ? null : new Principal(peerIdentity, role);
          }

          @Override
          public java.sql.Connection open(Principal principal) throws SQLException {
            java.util.Properties properties = new java.util.Properties();
            properties.setProperty(ClientProperties.USER, principal.user());
            properties.setProperty(ClientProperties.ROLE, principal.role().name());
            if (settings.queryTimeoutSeconds() > 0) {
              properties.setProperty(
                  ClientProperties.QUERY_TIMEOUT, String.valueOf(settings.queryTimeoutSeconds()));
            }
            properties.put(DeepBaseDriver.METRICS, metrics);
            return java.sql.DriverManager.getConnection(url, properties);
          }
        };
    return FlightSqlEndpoint.start(
        new FlightSqlEndpoint.Settings(
            settings.bind(),
            settings.flightPort(),
            settings.anonymous()
                ? null
                // Flight's Basic header carries no client address: the per-user lock-out applies,
                // and the user name stands in for the address.
                : (user, password) -> logins.check(user, password, "flight:" + user) != null,
            settings.tlsKeystore(),
            settings.tlsPassword(),
            settings.idle(),
            java.util.Objects.requireNonNullElse(
                DeepBaseServer.class.getPackage().getImplementationVersion(), "development")),
        sessions);
  }

  /**
   * Tells Avatica's handler to run each request as its caller: the Basic-authenticated user with
   * the role the users file gives, or {@link #ANONYMOUS}.
   */
  private record CallerConfiguration(
      boolean anonymous, PasswordLoginService logins, ThreadLocal<@Nullable Principal> caller)
      implements AvaticaServerConfiguration {
    @Override
    public AuthenticationType getAuthenticationType() {
      return anonymous ? AuthenticationType.NONE : AuthenticationType.BASIC;
    }

    @Override
    public boolean supportsImpersonation() {
      return true;
    }

    @Override
    public <T> T doAsRemoteUser(String remoteUserName, String remoteAddress, Callable<T> action)
        throws Exception {
      Principal principal = ANONYMOUS;
      if (!anonymous) {
        Role role = remoteUserName == null ? null : logins.roleOf(remoteUserName);
        if (role == null) {
          throw new RemoteUserDisallowedException("unknown user");
        }
        principal = new Principal(remoteUserName, role);
      }
      caller.set(principal);
      try {
        return action.call();
      } finally {
        caller.remove();
      }
    }

    @Override
    public RemoteUserExtractor getRemoteUserExtractor() {
      // Anonymous requests have no user; the extractor would refuse them.
      return anonymous ? request -> ANONYMOUS.user() : new HttpRequestRemoteUserExtractor();
    }

    @Override
    public @Nullable String getKerberosRealm() {
      return null;
    }

    @Override
    public @Nullable String getKerberosServiceName() {
      return null;
    }

    @Override
    public @Nullable String getKerberosHostName() {
      return null;
    }

    @Override
    public @Nullable String getKerberosPrincipal() {
      return null;
    }

    @Override
    public String[] getAllowedRoles() {
      return new String[] {ROLE};
    }

    @Override
    public @Nullable String getHashLoginServiceRealm() {
      return null;
    }

    @Override
    public @Nullable String getHashLoginServiceProperties() {
      return null;
    }
  }

  /** Returns the port listened on. */
  public int port() {
    return server.getPort();
  }

  /** Returns the JDBC URL clients use. */
  public String url() {
    return "jdbc:avatica:remote:url="
        + (tls ? "https" : "http")
        + "://"
        + host
        + ":"
        + port()
        + ";serialization="
        + serialization.name().toUpperCase(java.util.Locale.ROOT);
  }

  /** Returns the Flight SQL port, or -1 when the server has no Flight SQL endpoint. */
  public int flightPort() {
    return flight == null ? -1 : flight.port();
  }

  /** Returns the forward passes the Flight SQL endpoint's statements have run. */
  public long flightForwardPasses() {
    return flightMetrics.forwardPasses();
  }

  /** Blocks until the server stops. */
  public void join() throws InterruptedException {
    server.join();
  }

  @Override
  public void close() {
    try {
      meta.closeAll(); // cancels running statements: Jetty's stop would otherwise wait for them
      if (flight != null) {
        flight.close();
      }
      server.stop();
    } finally {
      catalog.release();
    }
  }
}
