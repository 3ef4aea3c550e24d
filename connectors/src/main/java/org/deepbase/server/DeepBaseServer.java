package org.deepbase.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import org.apache.calcite.avatica.jdbc.JdbcMeta;
import org.apache.calcite.avatica.remote.Driver;
import org.apache.calcite.avatica.remote.LocalService;
import org.apache.calcite.avatica.server.HttpServer;
import org.apache.calcite.avatica.server.ServerCustomizer;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.deepbase.engine.catalog.Workspace;

/**
 * Serves a workspace to remote JDBC clients (Avatica over HTTP, protobuf): every client
 * connection gets its own {@code jdbc:deepbase:} connection (JdbcMeta keeps them per client).
 *
 * <p>Bound to 127.0.0.1 unless told otherwise. Authentication is HTTP Basic against
 * {@code <workspace>/server/users.properties} (Jetty's format with hashed passwords, see
 * {@link Users}); without users the server refuses to start unless anonymous access is asked for.
 */
public final class DeepBaseServer implements AutoCloseable {
  public static final String ROLE = "deepbase";

  private final HttpServer server;
  private final String host;

  private DeepBaseServer(HttpServer server, String host) {
    this.server = server;
    this.host = host;
  }

  /** Settings of a server. */
  public record Settings(Path workspace, String bind, int port, boolean anonymous) {
  }

  /** Starts a server; port 0 picks a free port. */
  public static DeepBaseServer start(Settings settings) throws SQLException, IOException {
    Workspace workspace = new Workspace(settings.workspace());
    Path users = Users.file(workspace);
    if (!settings.anonymous() && !Files.isRegularFile(users)) {
      throw new IllegalStateException("no users in " + users + ": add one with 'deepbase user --workspace "
          + workspace.root() + " --name NAME' or start with --anonymous");
    }
    JdbcMeta meta = new JdbcMeta("jdbc:deepbase:" + workspace.root(), new Properties());
    ServerCustomizer<Server> bind = server -> {
      for (Connector c : server.getConnectors()) {
        if (c instanceof ServerConnector connector) {
          connector.setHost(settings.bind());
        }
      }
    };
    HttpServer.Builder<Server> builder = new HttpServer.Builder<Server>()
        .withHandler(new LocalService(meta), Driver.Serialization.PROTOBUF)
        .withPort(settings.port())
        .withServerCustomizers(List.of(bind), Server.class);
    if (!settings.anonymous()) {
      builder.withBasicAuthentication(users.toString(), new String[] {ROLE});
    }
    HttpServer server = builder.build();
    server.start();
    return new DeepBaseServer(server, settings.bind());
  }

  /** Returns the port listened on. */
  public int port() {
    return server.getPort();
  }

  /** Returns the JDBC URL clients use. */
  public String url() {
    return "jdbc:avatica:remote:url=http://" + host + ":" + port() + ";serialization=PROTOBUF";
  }

  /** Blocks until the server stops. */
  public void join() throws InterruptedException {
    server.join();
  }

  @Override
  public void close() {
    server.stop();
  }
}
