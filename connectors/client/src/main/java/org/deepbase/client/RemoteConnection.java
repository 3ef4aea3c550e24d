package org.deepbase.client;

import java.sql.SQLException;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.calcite.avatica.AvaticaConnection;
import org.apache.calcite.avatica.AvaticaFactory;
import org.apache.calcite.avatica.InternalProperty;
import org.apache.calcite.avatica.UnregisteredDriver;
import org.apache.calcite.avatica.remote.Service;
import org.apache.calcite.avatica.util.Casing;

/**
 * An Avatica remote connection that answers two things Avatica's own cannot:
 *
 * <ul>
 *   <li>{@link #isValid} asks the server (Avatica's answers {@code !isClosed()}, so a connection
 *       the server closed for idleness looked valid until its next statement failed);
 *   <li>identifier case: DeepBase matches unquoted and quoted names case-insensitively and keeps
 *       them as written, where Avatica's client assumes upper case (sqlline then upper-cases names
 *       in its metadata calls).
 * </ul>
 */
final class RemoteConnection extends AvaticaConnection {
  RemoteConnection(UnregisteredDriver driver, AvaticaFactory factory, String url, Properties info) {
    super(driver, factory, url, info);
    properties.put(InternalProperty.CASE_SENSITIVE, false);
    properties.put(InternalProperty.UNQUOTED_CASING, Casing.UNCHANGED);
    properties.put(InternalProperty.QUOTED_CASING, Casing.UNCHANGED);
  }

  /**
   * Returns whether the server still has this connection: a connection-sync round trip, bounded by
   * {@code timeoutSeconds} (0: the HTTP client's own timeout).
   */
  @Override
  public boolean isValid(int timeoutSeconds) throws SQLException {
    if (timeoutSeconds < 0) {
      throw new SQLException("isValid timeout must be >= 0, got " + timeoutSeconds, "22023");
    }
    if (isClosed()) {
      return false;
    }
    CompletableFuture<Boolean> sync =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                // A read the server answers only for a connection it still has (RemoteMeta's
                // connectionSync answers from a local cache).
                getService().apply(new Service.DatabasePropertyRequest(handle.id));
                return true;
              } catch (RuntimeException closedOrUnreachable) {
                return false;
              }
            });
    try {
      return timeoutSeconds == 0 ? sync.get() : sync.get(timeoutSeconds, TimeUnit.SECONDS);
    } catch (TimeoutException | ExecutionException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
