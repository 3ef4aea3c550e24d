package org.deepbase.engine.security;

import java.util.Objects;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;

/**
 * Who runs a statement: the authenticated server user with its role, or the local OS user of an
 * embedded connection (who owns the workspace files anyway, hence an administrator).
 */
public record Principal(String user, Role role) {
  /** The owner recorded for objects installed with a new workspace. */
  public static final String SYSTEM = "_system";

  public Principal {
    Objects.requireNonNull(user, "user is null");
    Objects.requireNonNull(role, "role is null");
  }

  /** Returns the principal of an embedded connection: the OS user, as administrator. */
  public static Principal local() {
    return new Principal(System.getProperty("user.name", "local"), Role.ADMIN);
  }

  /** Fails with {@link ErrorCode#PERMISSION_DENIED} unless this principal has {@code needed}. */
  public void require(Role needed, String what) {
    if (!role.includes(needed)) {
      throw new DeepBaseException(
          ErrorCode.PERMISSION_DENIED,
          "permission denied: "
              + what
              + " needs the "
              + needed.name().toLowerCase(java.util.Locale.ROOT)
              + " role; user '"
              + user
              + "' is "
              + role.name().toLowerCase(java.util.Locale.ROOT));
    }
  }

  /** Fails unless this principal owns an object (recorded owner) or is an administrator. */
  public void requireOwnerOf(String kind, String name, String owner) {
    if (role != Role.ADMIN && !user.equals(owner)) {
      throw new DeepBaseException(
          ErrorCode.PERMISSION_DENIED,
          "permission denied: "
              + kind
              + " '"
              + name
              + "' belongs to "
              + (SYSTEM.equals(owner) ? "the workspace (installed)" : "'" + owner + "'")
              + "; only its owner or an admin may replace or drop it");
    }
  }
}
