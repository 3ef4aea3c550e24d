package org.deepbase.server;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.deepbase.engine.security.Role;
import org.deepbase.engine.workspace.Workspace;
import org.springframework.security.crypto.bcrypt.BCrypt;

/**
 * The server's users: {@code <workspace>/server/users.properties}, one {@code name = role:hash}
 * entry each, readable by the workspace's OS owner only. Passwords are stored as salted bcrypt
 * hashes (cost {@link #COST}), never in clear; entries in another format (the MD5 digests of
 * DeepBase before 2026-12) are ignored and reported, their users must set a password again.
 */
public final class Users {
  /** bcrypt's work factor: about a quarter of a second per check on this project's machines. */
  static final int COST = 12;

  /** bcrypt reads at most 72 bytes of a password; longer ones would be silently cut. */
  private static final int MAX_PASSWORD_BYTES = 72;

  private Users() {}

  /** One user's role and password hash. */
  public record User(String name, Role role, String hash) {}

  /** Returns the users file of a workspace. */
  public static Path file(Workspace workspace) {
    return workspace.root().resolve("server").resolve("users.properties");
  }

  /** Adds or replaces a user with a new password and role. */
  public static void put(Workspace workspace, String name, String password, Role role)
      throws IOException {
    if (!name.matches("[A-Za-z0-9_.-]{1,64}")) {
      throw new IllegalArgumentException("user names are 1-64 letters, digits, '_', '.', '-'");
    }
    int bytes = password.getBytes(StandardCharsets.UTF_8).length;
    if (bytes < 8 || bytes > MAX_PASSWORD_BYTES) {
      throw new IllegalArgumentException(
          "passwords are 8 to " + MAX_PASSWORD_BYTES + " bytes long");
    }
    Path file = file(workspace);
    Files.createDirectories(file.getParent());
    Properties entries = read(file);
    entries.setProperty(
        name,
        role.name().toLowerCase(java.util.Locale.ROOT)
            + ":"
            + BCrypt.hashpw(password, BCrypt.gensalt(COST)));
    Path temporary =
        Files.createTempFile(
            file.getParent(),
            "users",
            ".tmp",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try (Writer out = Files.newBufferedWriter(temporary)) {
      entries.store(out, "DeepBase server users: name = role:bcrypt hash");
    }
    Files.move(
        temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * Reads the users; entries that are not {@code role:bcrypt-hash} are returned in {@code ignored}.
   */
  public static Map<String, User> load(Path file, Map<String, String> ignored) throws IOException {
    Map<String, User> users = new TreeMap<>();
    Properties entries = read(file);
    for (String name : entries.stringPropertyNames()) {
      String entry = entries.getProperty(name);
      int colon = entry.indexOf(':');
      try {
        Role role = Role.of(colon < 0 ? "" : entry.substring(0, colon));
        String hash = entry.substring(colon + 1).trim();
        if (!hash.startsWith("$2")) {
          throw new IllegalArgumentException("not a bcrypt hash");
        }
        users.put(name, new User(name, role, hash));
      } catch (IllegalArgumentException e) {
        ignored.put(name, e.getMessage());
      }
    }
    return users;
  }

  private static Properties read(Path file) throws IOException {
    Properties entries = new Properties();
    if (Files.isRegularFile(file)) {
      try (Reader in = Files.newBufferedReader(file)) {
        entries.load(in);
      }
    }
    return entries;
  }
}
