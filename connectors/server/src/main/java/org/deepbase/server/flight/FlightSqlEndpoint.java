package org.deepbase.server.flight;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightServer;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.auth2.BasicCallHeaderAuthenticator;
import org.apache.arrow.flight.auth2.CallHeaderAuthenticator;
import org.apache.arrow.flight.auth2.GeneratedBearerTokenAuthenticator;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The Arrow Flight SQL endpoint of {@code deepbase serve}: its own port, the same bind address,
 * users and TLS keystore as the Avatica endpoint. Clients authenticate with Basic credentials once
 * and then use the bearer token the server returns (Arrow's {@link
 * GeneratedBearerTokenAuthenticator}), so bcrypt is paid once per client session.
 */
public final class FlightSqlEndpoint implements AutoCloseable {
  private final BufferAllocator allocator;
  private final DeepBaseFlightProducer producer;
  private final FlightServer server;

  private FlightSqlEndpoint(
      BufferAllocator allocator, DeepBaseFlightProducer producer, FlightServer server) {
    this.allocator = allocator;
    this.producer = producer;
    this.server = server;
  }

  /** Checks a user name and password; returns whether they log in (the lock-out applies). */
  public interface Passwords {
    boolean check(String user, String password);
  }

  /**
   * Settings of the endpoint.
   *
   * @param passwords null when the server is anonymous (every client is the anonymous reader)
   * @param tlsKeystore the Avatica endpoint's keystore; null for plain gRPC
   */
  public record Settings(
      String bind,
      int port,
      @Nullable Passwords passwords,
      @Nullable Path tlsKeystore,
      @Nullable String tlsPassword,
      Duration idle,
      String version) {}

  /** Starts the endpoint; port 0 picks a free port. */
  public static FlightSqlEndpoint start(Settings settings, FlightSessions sessions)
      throws IOException {
    BufferAllocator allocator = new RootAllocator();
    DeepBaseFlightProducer producer =
        new DeepBaseFlightProducer(
            sessions, allocator, new FlightQueries(settings.idle()), settings.version());
    try {
      Location location =
          settings.tlsKeystore() == null
              ? Location.forGrpcInsecure(settings.bind(), settings.port())
              : Location.forGrpcTls(settings.bind(), settings.port());
      FlightServer.Builder builder =
          FlightServer.builder(allocator, location, producer)
              .headerAuthenticator(authenticator(settings.passwords()));
      if (settings.tlsKeystore() != null) {
        PemKeys keys =
            PemKeys.of(
                settings.tlsKeystore(),
                (settings.tlsPassword() == null ? "" : settings.tlsPassword()).toCharArray());
        builder.useTls(keys.chainStream(), keys.keyStream());
      }
      FlightServer server = builder.build().start();
      return new FlightSqlEndpoint(allocator, producer, server);
    } catch (IOException | RuntimeException e) {
      producer.close();
      allocator.close();
      throw e;
    }
  }

  private static CallHeaderAuthenticator authenticator(@Nullable Passwords passwords) {
    if (passwords == null) {
      return CallHeaderAuthenticator.NO_OP;
    }
    return new GeneratedBearerTokenAuthenticator(
        new BasicCallHeaderAuthenticator(
            (user, password) -> {
              if (!passwords.check(user, password)) {
                throw CallStatus.UNAUTHENTICATED
                    .withDescription("wrong user name or password (or locked after failures)")
                    .toRuntimeException();
              }
              return () -> user;
            }));
  }

  /** Returns the port listened on. */
  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    producer.close(); // cancels running statements: the shutdown would otherwise wait for them
    server.shutdown();
    try {
      server.awaitTermination(2, java.util.concurrent.TimeUnit.SECONDS);
      server.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      try {
        allocator.close();
      } catch (IllegalStateException e) {
        // A client that vanished mid-stream can leave a batch in gRPC's hands: the process is
        // stopping the endpoint anyway, so say so rather than fail the stop.
        org.slf4j.LoggerFactory.getLogger(FlightSqlEndpoint.class)
            .warn("Arrow memory still held at stop: {}", e.getMessage());
      }
    }
  }
}
