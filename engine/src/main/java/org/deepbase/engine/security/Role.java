package org.deepbase.engine.security;

/**
 * What a connection may do. Roles are ordered: each includes the rights of the ones before it.
 *
 * <ul>
 *   <li>{@link #READER}: queries (catalog tables, behaviors, INSPECT, probes, views and stored
 *       tables).
 *   <li>{@link #WRITER}: also creates views and result tables, and replaces or drops its own.
 *   <li>{@link #ADMIN}: also registers datasets and replaces or drops any object, installed views
 *       included.
 * </ul>
 */
public enum Role {
  READER,
  WRITER,
  ADMIN;

  /** Returns whether this role has every right of {@code other}. */
  public boolean includes(Role other) {
    return compareTo(other) >= 0;
  }

  /** Parses a role name (case-insensitive), naming the valid ones on error. */
  public static Role of(String name) {
    for (Role role : values()) {
      if (role.name().equalsIgnoreCase(name == null ? "" : name.trim())) {
        return role;
      }
    }
    throw new IllegalArgumentException("unknown role '" + name + "'; roles: reader, writer, admin");
  }
}
