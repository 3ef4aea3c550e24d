package org.deepbase.server.flight;

import java.sql.SQLException;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.ErrorFlightMetadata;
import org.apache.arrow.flight.FlightRuntimeException;

/**
 * Turns a failed statement into the Flight status a client receives: the SQL error's own message
 * (not the chain of wrapper classes), its SQLState in the description and in the {@code sqlstate}
 * trailer, and a gRPC code chosen by the SQLState's class.
 */
final class FlightErrors {
  static final String SQLSTATE = "sqlstate";

  private FlightErrors() {}

  /** Returns the status for an error; a Flight error passes unchanged. */
  static FlightRuntimeException of(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof FlightRuntimeException flight) {
        return flight;
      }
      if (t instanceof SQLException sql) {
        String state = sql.getSQLState() == null ? "HY000" : sql.getSQLState();
        return status(state, String.valueOf(sql.getMessage()), error);
      }
    }
    return status("HY000", String.valueOf(error.getMessage()), error);
  }

  /** Returns a status with this SQLState; the code follows the state's class. */
  static FlightRuntimeException status(String state, String message, Throwable cause) {
    CallStatus code =
        switch (state.substring(0, 2)) {
          case "42", "22", "07", "0A", "2B" ->
              "42501".equals(state)
                  ? CallStatus.UNAUTHORIZED
                  : state.startsWith("0A") ? CallStatus.UNIMPLEMENTED : CallStatus.INVALID_ARGUMENT;
          case "28" -> CallStatus.UNAUTHENTICATED;
          case "57" -> CallStatus.CANCELLED;
          case "08" -> CallStatus.UNAVAILABLE;
          case "HY" -> "HYT00".equals(state) ? CallStatus.TIMED_OUT : CallStatus.INTERNAL;
          default -> CallStatus.INTERNAL;
        };
    ErrorFlightMetadata metadata = new ErrorFlightMetadata();
    metadata.insert(SQLSTATE, state);
    return code.withDescription(message + " [SQLState " + state + "]")
        .withCause(cause)
        .withMetadata(metadata)
        .toRuntimeException();
  }
}
