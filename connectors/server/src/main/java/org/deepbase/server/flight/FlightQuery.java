package org.deepbase.server.flight;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A statement a Flight client prepared (explicitly, or implicitly by asking for a query's
 * FlightInfo): its own connection, opened as the client's user, the statement, and the schemas the
 * client was told.
 *
 * @param owner the user who prepared it; no one else may run, bind, cancel or close it
 * @param oneShot whether it ends with its first stream (a plain query) or lives until closed
 */
record FlightQuery(
    String owner,
    Connection connection,
    PreparedStatement statement,
    Schema schema,
    Schema parameterSchema,
    boolean oneShot)
    implements AutoCloseable {

  /** Stops the statement's work, if it runs; the connection stays open. */
  void cancel() {
    try {
      statement.cancel();
    } catch (SQLException e) {
      // already closed: nothing runs
    }
  }

  @Override
  public void close() {
    try (connection;
        statement) {
      statement.cancel();
    } catch (SQLException e) {
      // closing: nothing to tell the client
    }
  }
}
