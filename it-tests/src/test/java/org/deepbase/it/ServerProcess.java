package org.deepbase.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A {@code deepbase serve} in its own JVM, as a user starts it; closing it sends SIGTERM. */
final class ServerProcess implements AutoCloseable {
  private static final Pattern URL =
      Pattern.compile("JDBC URL: (jdbc:avatica:remote:url=\\S+?;serialization=PROTOBUF)");

  private final Process process;
  private final String url;
  private final StringBuffer output;

  private ServerProcess(Process process, String url, StringBuffer output) {
    this.process = process;
    this.url = url;
    this.output = output;
  }

  /** Starts a server on a free port of 127.0.0.1 and waits until it prints its URL. */
  static ServerProcess start(Path workspace, Map<String, String> environment, String... options)
      throws Exception {
    return start(workspace, environment, List.of("-Xmx2g"), options);
  }

  /** Starts a server whose JVM gets {@code jvmFlags} (heap settings) before the launcher's own. */
  static ServerProcess start(
      Path workspace, Map<String, String> environment, List<String> jvmFlags, String... options)
      throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "serve", "--workspace", workspace.toString(), "--port", "0", "--flight-port", "0"));
    args.addAll(List.of(options));
    ProcessBuilder builder =
        new ProcessBuilder(
                Jvm.command(Jvm.testClasspath(), jvmFlags, "org.deepbase.cli.Main", args))
            .redirectErrorStream(true);
    builder.environment().putAll(environment);
    Process process = builder.start();
    StringBuffer output = new StringBuffer();
    CompletableFuture<String> url = new CompletableFuture<>();
    Thread drain =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(new InputStreamReader(process.getInputStream()))) {
                for (String line; (line = in.readLine()) != null; ) {
                  output.append(line).append('\n');
                  Matcher m = URL.matcher(line);
                  if (m.find()) {
                    url.complete(m.group(1));
                  }
                }
              } catch (IOException e) {
                url.completeExceptionally(e);
              }
              url.completeExceptionally(new IllegalStateException("server exited:\n" + output));
            });
    drain.setDaemon(true);
    drain.start();
    try {
      return new ServerProcess(process, url.get(180, TimeUnit.SECONDS), output);
    } catch (Exception e) {
      process.destroyForcibly();
      throw e;
    }
  }

  String url() {
    return url;
  }

  int port() {
    Matcher m = Pattern.compile(":(\\d+);").matcher(url);
    if (!m.find()) {
      throw new IllegalStateException(url);
    }
    return Integer.parseInt(m.group(1));
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process.isAlive();
  }

  /** Connects as a user with HTTP Basic; {@code extra} adds connection properties. */
  Connection connect(String user, String password, Properties extra) throws SQLException {
    Properties p = new Properties();
    p.setProperty("authentication", "BASIC");
    p.setProperty("avatica_user", user);
    p.setProperty("avatica_password", password);
    p.putAll(extra);
    return DriverManager.getConnection(url, p);
  }

  Connection connect(String user, String password) throws SQLException {
    return connect(user, password, new Properties());
  }

  /** Returns the CPU time the server process has used, in seconds (user + system, from /proc). */
  double cpuSeconds() throws IOException {
    String stat = Files.readString(Path.of("/proc", String.valueOf(pid()), "stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12]))
        / 100.0; // fields 14 and 15, in clock ticks
  }

  /** Returns the resident memory of the server process, in bytes. */
  long residentBytes() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid()), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
      }
    }
    throw new IllegalStateException("no VmRSS");
  }

  /**
   * Lists the process's listening TCP sockets as "address:port" (hex, as the kernel prints them):
   * the socket inodes among its open files, looked up in /proc/net/tcp and tcp6.
   */
  List<String> listeningSockets() throws IOException {
    Set<String> inodes = new HashSet<>();
    try (var fds = Files.list(Path.of("/proc", String.valueOf(pid()), "fd"))) {
      for (Path fd : (Iterable<Path>) fds::iterator) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            inodes.add(target.substring(8, target.length() - 1));
          }
        } catch (IOException closedMeanwhile) {
          // a descriptor closed while listing
        }
      }
    }
    List<String> listening = new ArrayList<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      for (String line : Files.readAllLines(Path.of(table))) {
        String[] f = line.trim().split("\\s+");
        if (f.length > 9 && f[3].equals("0A") && inodes.contains(f[9])) {
          listening.add(f[1]);
        }
      }
    }
    return listening;
  }

  String output() {
    return output.toString();
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }
}
