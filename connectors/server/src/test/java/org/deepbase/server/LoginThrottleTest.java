package org.deepbase.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The lock-out rules of docs/security.md, on a clock the test moves. */
class LoginThrottleTest {
  final AtomicLong now = new AtomicLong(1_000_000);
  final LoginThrottle throttle = new LoginThrottle(now::get);

  @Test
  void aUserIsLockedAfterFiveFailuresForADoublingTime() {
    for (int i = 0; i < LoginThrottle.USER_FAILURES - 1; i++) {
      throttle.failed("ann", "10.0.0.1");
      assertFalse(throttle.locked("ann", "10.0.0.1"), "failure " + (i + 1) + " is free");
    }
    throttle.failed("ann", "10.0.0.1");
    assertTrue(throttle.locked("ann", "10.0.0.2"), "locked from every address");
    assertFalse(throttle.locked("bob", "10.0.0.2"), "other users are not");
    now.addAndGet(1001);
    assertFalse(throttle.locked("ann", "10.0.0.1"), "the first lock lasts 1 s");
    throttle.failed("ann", "10.0.0.1");
    now.addAndGet(1001);
    assertTrue(throttle.locked("ann", "10.0.0.1"), "the next one 2 s");
    now.addAndGet(1000);
    assertFalse(throttle.locked("ann", "10.0.0.1"));
    throttle.succeeded("ann");
    throttle.failed("ann", "10.0.0.1");
    assertFalse(throttle.locked("ann", "10.0.0.1"), "a success starts the count again");
  }

  @Test
  void anAddressSprayingNamesIsLockedAndSuccessesDoNotResetIt() {
    for (int i = 0; i < LoginThrottle.ADDRESS_FAILURES - 1; i++) {
      throttle.failed("name" + i, "10.0.0.9");
      throttle.succeeded("valid");
    }
    assertFalse(throttle.locked("valid", "10.0.0.9"));
    throttle.failed("one-more", "10.0.0.9");
    assertTrue(
        throttle.locked("valid", "10.0.0.9"), "the address is locked, even for a valid user");
    assertFalse(throttle.locked("valid", "10.0.0.8"), "other addresses are not");
    now.addAndGet(LoginThrottle.MAX_LOCK_MILLIS + 1);
    assertFalse(throttle.locked("valid", "10.0.0.9"), "until the lock ends");
  }

  @Test
  void failuresOutsideTheWindowDoNotAddUp() {
    for (int i = 0; i < LoginThrottle.ADDRESS_FAILURES - 1; i++) {
      throttle.failed("name" + i, "10.0.0.7");
    }
    now.addAndGet(LoginThrottle.WINDOW_MILLIS + 1);
    throttle.failed("late", "10.0.0.7");
    assertFalse(throttle.locked("someone", "10.0.0.7"), "a new window starts");
  }
}
