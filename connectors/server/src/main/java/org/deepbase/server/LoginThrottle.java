package org.deepbase.server;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Slows password guessing, per user name and per client address.
 *
 * <ul>
 *   <li>A user name with {@link #USER_FAILURES} failed logins in a row is locked for 1 s, then 2 s,
 *       4 s, ... up to {@link #MAX_LOCK_MILLIS} with each further failure; its success resets it.
 *   <li>An address with {@link #ADDRESS_FAILURES} failures within {@link #WINDOW_MILLIS} (whatever
 *       the names, so spraying many names does not help) is locked for {@link #MAX_LOCK_MILLIS};
 *       successes do not reset it, so one valid account cannot launder an address's guesses.
 * </ul>
 *
 * A locked login is refused without checking the password. The user lock also lets a guesser lock a
 * real user out for a while: the usual price of lock-outs, documented in docs/security.md.
 */
final class LoginThrottle {
  static final int USER_FAILURES = 5;
  static final int ADDRESS_FAILURES = 30;
  static final long WINDOW_MILLIS = 10 * 60 * 1000L;
  static final long MAX_LOCK_MILLIS = 15 * 60 * 1000L;

  /** Bounds the memory an attacker cycling through names can make us keep. */
  private static final int MAX_TRACKED = 100_000;

  /** Failures counted since {@code since}, and the time until which logins are refused. */
  private record Failures(int count, long since, long lockedUntil) {}

  private final ConcurrentMap<String, Failures> users = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Failures> addresses = new ConcurrentHashMap<>();
  private final java.util.function.LongSupplier clock;

  LoginThrottle(java.util.function.LongSupplier clock) {
    this.clock = clock;
  }

  /** Returns whether a login for this user from this address must be refused unchecked. */
  boolean locked(String user, String address) {
    long now = clock.getAsLong();
    Failures u = users.get(user);
    Failures a = addresses.get(address);
    return u != null && u.lockedUntil() > now || a != null && a.lockedUntil() > now;
  }

  /** Records a failed login. */
  void failed(String user, String address) {
    long now = clock.getAsLong();
    if (users.size() > MAX_TRACKED) {
      users.values().removeIf(f -> f.lockedUntil() <= now && f.count() < USER_FAILURES);
    }
    if (addresses.size() > MAX_TRACKED) {
      addresses.values().removeIf(f -> f.lockedUntil() <= now && now - f.since() > WINDOW_MILLIS);
    }
    users.compute(
        user,
        (k, f) -> {
          int count = f == null ? 1 : f.count() + 1;
          long lock =
              count < USER_FAILURES
                  ? 0
                  : Math.min(MAX_LOCK_MILLIS, 1000L << Math.min(20, count - USER_FAILURES));
          return new Failures(count, f == null ? now : f.since(), lock == 0 ? 0 : now + lock);
        });
    addresses.compute(
        address,
        (k, f) -> {
          boolean fresh = f == null || now - f.since() > WINDOW_MILLIS;
          int count = fresh ? 1 : f.count() + 1;
          return new Failures(
              count,
              fresh ? now : f.since(),
              count >= ADDRESS_FAILURES ? now + MAX_LOCK_MILLIS : fresh ? 0 : f.lockedUntil());
        });
  }

  /** Records a successful login: the user's run of failures ends (the address's count stays). */
  void succeeded(String user) {
    users.remove(user);
  }
}
