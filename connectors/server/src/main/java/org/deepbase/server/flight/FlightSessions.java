package org.deepbase.server.flight;

import java.sql.Connection;
import java.sql.SQLException;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.security.Principal;

/** How the Flight SQL endpoint reaches the workspace: the server decides who a caller is. */
public interface FlightSessions {
  /** Returns who made a call from its authenticated identity; null for an unknown user. */
  @Nullable Principal principal(String peerIdentity);

  /** Opens a connection to the workspace as a user (role, time limit and counters set). */
  Connection open(Principal principal) throws SQLException;
}
