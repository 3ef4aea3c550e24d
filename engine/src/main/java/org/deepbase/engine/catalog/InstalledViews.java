package org.deepbase.engine.catalog;

import java.util.Map;

/**
 * Saved views a workspace's catalog starts with (a case study's ready-made analyses), owned by the
 * workspace, not by a user. Service provider interface, found with {@link java.util.ServiceLoader}
 * in {@code META-INF/services/org.deepbase.engine.catalog.InstalledViews}, so the catalog does not
 * depend on any case study.
 */
public interface InstalledViews {
  /** Returns each view's SQL text (a single SELECT, no comments), by view name. */
  Map<String, String> views();
}
