package org.deepbase.store;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Properties;
import java.util.Set;

/**
 * The catalog database's two H2 passwords, kept in {@code catalog/credentials.properties}, readable
 * by the workspace's OS owner only: {@code admin} sets the catalog up, {@code app} (no H2 admin
 * rights) runs everything a connection asks for.
 */
record CatalogCredentials(String admin, String app) {
  static final String FILE_NAME = "credentials.properties";
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> OWNER_ONLY_DIR =
      PosixFilePermissions.fromString("rwx------");

  /** Reads the credentials of a catalog directory, making new random ones the first time. */
  static CatalogCredentials readOrCreate(Path dir) throws IOException {
    Files.createDirectories(dir);
    restrict(dir, OWNER_ONLY_DIR);
    Path file = dir.resolve(FILE_NAME);
    if (!Files.isRegularFile(file)) {
      SecureRandom random = new SecureRandom();
      Properties created = new Properties();
      created.setProperty("admin", secret(random));
      created.setProperty("app", secret(random));
      Path temporary = Files.createTempFile(dir, "credentials", ".tmp");
      restrict(temporary, OWNER_ONLY);
      try (Writer out = Files.newBufferedWriter(temporary)) {
        created.store(out, "DeepBase catalog passwords: keep this file private");
      }
      try {
        // Two processes may race to create it: the first one's passwords win, the second reads
        // them.
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException raced) {
        Files.deleteIfExists(temporary);
      }
    }
    restrict(file, OWNER_ONLY);
    Properties read = new Properties();
    try (Reader in = Files.newBufferedReader(file)) {
      read.load(in);
    }
    String admin = read.getProperty("admin");
    String app = read.getProperty("app");
    if (admin == null || app == null) {
      throw new IOException(file + " lacks the 'admin' or 'app' password");
    }
    return new CatalogCredentials(admin, app);
  }

  private static String secret(SecureRandom random) {
    byte[] bytes = new byte[24];
    random.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Makes a file or directory private to its owner where the file system has POSIX permissions. */
  static void restrict(Path path, Set<PosixFilePermission> permissions) throws IOException {
    try {
      Files.setPosixFilePermissions(path, permissions);
    } catch (UnsupportedOperationException notPosix) {
      // Windows: the directory's ACL, inherited from the user's profile, is what protects it.
    }
  }

  /** Makes a catalog file written by H2 private to its owner. */
  static void restrictFile(Path path) throws IOException {
    if (Files.isRegularFile(path)) {
      restrict(path, OWNER_ONLY);
    }
  }
}
