package org.deepbase.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deepbase.engine.catalog.Workspace;
import org.eclipse.jetty.util.security.Credential;

/**
 * The server's users: {@code <workspace>/server/users.properties}, one {@code name: hash,role} line
 * each, in the format Jetty's HashLoginService reads. Passwords are stored as Jetty MD5 digests,
 * never in clear.
 */
public final class Users {
  private Users() {
  }

  /** Returns the users file of a workspace. */
  public static Path file(Workspace workspace) {
    return workspace.root().resolve("server").resolve("users.properties");
  }

  /** Adds or replaces a user. */
  public static void put(Workspace workspace, String name, String password) throws IOException {
    if (!name.matches("[A-Za-z0-9_.-]+") || password.isEmpty()) {
      throw new IllegalArgumentException("user names are letters, digits, '_', '.', '-'; passwords are not empty");
    }
    Path file = file(workspace);
    Files.createDirectories(file.getParent());
    List<String> lines = new ArrayList<>();
    if (Files.isRegularFile(file)) {
      for (String line : Files.readAllLines(file)) {
        if (!line.startsWith(name + ":")) {
          lines.add(line);
        }
      }
    }
    lines.add(name + ": " + Credential.MD5.digest(password) + "," + DeepBaseServer.ROLE);
    Path temporary = Files.createTempFile(file.getParent(), "users", ".tmp");
    Files.write(temporary, lines);
    Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }
}
