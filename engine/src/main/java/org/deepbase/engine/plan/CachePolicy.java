package org.deepbase.engine.plan;

/** How an inspection uses the behavior cache. */
public enum CachePolicy {
  /** Never touch the cache. */
  OFF,
  /** Read valid entries when the cost model says reading is cheaper than the forward pass. */
  AUTO,
  /** Read and write the cache. */
  ON
}
