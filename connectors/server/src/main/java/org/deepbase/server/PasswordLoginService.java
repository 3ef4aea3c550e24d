package org.deepbase.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import javax.security.auth.Subject;
import javax.servlet.ServletRequest;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.security.Role;
import org.eclipse.jetty.security.DefaultIdentityService;
import org.eclipse.jetty.security.IdentityService;
import org.eclipse.jetty.security.LoginService;
import org.eclipse.jetty.server.UserIdentity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.crypto.bcrypt.BCrypt;

/**
 * Checks HTTP Basic credentials against the workspace's {@link Users} file (bcrypt hashes), with
 * {@link LoginThrottle} against guessing. The file is read again when it changes, so {@code
 * deepbase user} takes effect on a running server.
 *
 * <p>Avatica sends the credentials with every request, and a bcrypt check costs about a quarter of
 * a second by design; a successful check is therefore remembered for {@link #REMEMBER_MILLIS} as a
 * keyed SHA-256 of (user, password) under a random key made at start, never the password itself,
 * and forgotten when the user's entry changes.
 */
final class PasswordLoginService implements LoginService {
  private static final Logger LOG = LoggerFactory.getLogger(PasswordLoginService.class);
  static final long REMEMBER_MILLIS = 10 * 60 * 1000L;

  /** Checked for unknown users too, so that the reply time does not tell which names exist. */
  private static final String DUMMY_HASH =
      BCrypt.hashpw("not a password", BCrypt.gensalt(Users.COST));

  private final Path file;
  private final LoginThrottle throttle = new LoginThrottle(System::currentTimeMillis);
  private final byte[] rememberKey = new byte[32];
  private final ConcurrentMap<String, Long> remembered = new ConcurrentHashMap<>();
  private IdentityService identityService = new DefaultIdentityService();
  private volatile Snapshot users = new Snapshot(null, Map.of());

  private record Snapshot(@Nullable FileTime modified, Map<String, Users.User> users) {}

  PasswordLoginService(Path file) {
    this.file = Objects.requireNonNull(file, "file is null");
    new SecureRandom().nextBytes(rememberKey);
  }

  /** Returns a user's role, or null when there is no such user. */
  @Nullable Role roleOf(String user) {
    Users.User entry = current().users().get(user);
    return entry == null ? null : entry.role();
  }

  @Override
  public String getName() {
    return "DeepBase";
  }

  @Override
  public @Nullable UserIdentity login(String username, Object credentials, ServletRequest request) {
    String address = request == null ? "?" : request.getRemoteAddr();
    if (username == null
        || !(credentials instanceof String password)
        || check(username, password, address) == null) {
      return null;
    }
    Subject subject = new Subject();
    java.security.Principal principal = new NamedPrincipal(username);
    subject.getPrincipals().add(principal);
    return identityService.newUserIdentity(subject, principal, new String[] {DeepBaseServer.ROLE});
  }

  /**
   * Checks a user's password, whatever the transport (HTTP Basic for Avatica, Flight's Basic
   * header); returns the user's role, or null when refused (wrong password, unknown or locked).
   *
   * @param address the client's address for the per-address lock-out
   */
  @Nullable Role check(String username, String password, String address) {
    if (throttle.locked(username, address)) {
      LOG.warn("login of '{}' from {} refused: locked after repeated failures", username, address);
      return null;
    }
    Users.User user = current().users().get(username);
    String key = rememberKey(username, password, user == null ? "" : user.hash());
    Long until = remembered.get(key);
    boolean ok;
    if (user != null && until != null && until > System.currentTimeMillis()) {
      ok = true;
    } else {
      ok = BCrypt.checkpw(password, user == null ? DUMMY_HASH : user.hash()) && user != null;
      if (ok) {
        remembered.put(key, System.currentTimeMillis() + REMEMBER_MILLIS);
      }
    }
    if (!ok) {
      throttle.failed(username, address);
      LOG.warn("failed login of '{}' from {}", username, address);
      return null;
    }
    throttle.succeeded(username);
    return user.role();
  }

  private record NamedPrincipal(String getName) implements java.security.Principal {}

  private String rememberKey(String user, String password, String hash) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(rememberKey);
      for (String part : new String[] {user, password, hash}) {
        byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
        digest.update((byte) bytes.length);
        digest.update(bytes);
      }
      return java.util.HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** Returns the users, reading the file again when it has changed. */
  private Snapshot current() {
    try {
      FileTime modified = Files.isRegularFile(file) ? Files.getLastModifiedTime(file) : null;
      Snapshot snapshot = users;
      if (!Objects.equals(modified, snapshot.modified())) {
        Map<String, String> ignored = new HashMap<>();
        snapshot = new Snapshot(modified, Users.load(file, ignored));
        ignored.forEach(
            (name, why) ->
                LOG.warn(
                    "user '{}' in {} cannot log in ({}): set the password again with "
                        + "'deepbase user --name {}'",
                    name,
                    file,
                    why,
                    name));
        users = snapshot;
      }
      return snapshot;
    } catch (IOException e) {
      LOG.error("cannot read users from {}: {}", file, e.getMessage());
      return new Snapshot(null, Map.of());
    }
  }

  @Override
  public boolean validate(UserIdentity user) {
    return current().users().containsKey(user.getUserPrincipal().getName());
  }

  @Override
  public IdentityService getIdentityService() {
    return identityService;
  }

  @Override
  public void setIdentityService(IdentityService service) {
    identityService = service;
  }

  @Override
  public void logout(UserIdentity user) {
    // Basic authentication keeps no server-side login to end.
  }
}
