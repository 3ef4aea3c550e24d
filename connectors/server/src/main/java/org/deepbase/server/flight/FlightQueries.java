package org.deepbase.server.flight;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.common.cache.RemovalNotification;
import com.google.protobuf.ByteString;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.CancelStatus;

/**
 * The statements Flight clients hold, by handle. A handle is 16 random bytes (a client cannot guess
 * another's), and every use checks the caller is the owner. Idle statements close after the
 * server's idle time (Flight calls are stateless: a client that vanishes never says goodbye);
 * running ones are kept apart so that a long stream never expires under its client.
 */
final class FlightQueries implements AutoCloseable {
  /** Bounds what one client can make the server keep. */
  private static final int MAX_IDLE = 10_000;

  private final SecureRandom random = new SecureRandom();
  private final Cache<ByteString, FlightQuery> idle;
  private final ConcurrentMap<ByteString, FlightQuery> running = new ConcurrentHashMap<>();

  FlightQueries(Duration idleTime) {
    this.idle =
        CacheBuilder.newBuilder()
            .expireAfterAccess(idleTime)
            .maximumSize(MAX_IDLE)
            .removalListener(
                (RemovalNotification<ByteString, FlightQuery> removed) -> {
                  // Moving a query to `running` also removes it here: only close what is gone.
                  if (!running.containsKey(removed.getKey())) {
                    removed.getValue().close();
                  }
                })
            .build();
  }

  /** Keeps a prepared query; returns its handle. */
  ByteString add(FlightQuery query) {
    byte[] bytes = new byte[16];
    random.nextBytes(bytes);
    ByteString handle = ByteString.copyFrom(bytes);
    idle.put(handle, query);
    return handle;
  }

  /** Returns the caller's query under a handle (idle or running). */
  FlightQuery get(ByteString handle, String caller) {
    FlightQuery query = idle.getIfPresent(handle);
    if (query == null) {
      query = running.get(handle);
    }
    if (query == null) {
      throw CallStatus.NOT_FOUND
          .withDescription(
              "no such statement (closed, or idle longer than the server's --idle-minutes)")
          .toRuntimeException();
    }
    if (!query.owner().equals(caller)) {
      throw CallStatus.UNAUTHORIZED
          .withDescription("the statement belongs to another user")
          .toRuntimeException();
    }
    return query;
  }

  /** Marks the caller's query running (it cannot expire) and returns it. */
  FlightQuery start(ByteString handle, String caller) {
    FlightQuery query = get(handle, caller);
    if (running.putIfAbsent(handle, query) != null) {
      throw CallStatus.ALREADY_EXISTS
          .withDescription("the statement is already running; wait for its stream to end")
          .toRuntimeException();
    }
    idle.invalidate(handle);
    return query;
  }

  /** Ends a run: a one-shot query closes, a prepared one waits for its next run. */
  void finish(ByteString handle) {
    FlightQuery query = running.get(handle);
    if (query == null) {
      return;
    }
    if (!query.oneShot()) {
      idle.put(handle, query);
    }
    running.remove(handle);
    if (query.oneShot()) {
      query.close();
    }
  }

  /** Closes the caller's query. */
  void close(ByteString handle, String caller) {
    FlightQuery query = get(handle, caller);
    idle.invalidate(handle);
    if (running.remove(handle) != null) {
      query.close();
    }
  }

  /**
   * Cancels the caller's query: a running one stops its work (its stream ends with an error), a
   * plain query not yet run is dropped, a prepared statement not running has nothing to stop.
   */
  CancelStatus cancel(ByteString handle, String caller) {
    FlightQuery query = get(handle, caller);
    if (running.containsKey(handle)) {
      query.cancel();
      return CancelStatus.CANCELLED;
    }
    if (query.oneShot()) {
      close(handle, caller);
      return CancelStatus.CANCELLED;
    }
    return CancelStatus.NOT_CANCELLABLE;
  }

  @Override
  public void close() {
    for (FlightQuery query : List.copyOf(running.values())) {
      query.close();
    }
    running.clear();
    idle.invalidateAll();
  }
}
