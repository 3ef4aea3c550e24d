package org.deepbase.queries.pacman;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.deepbase.engine.catalog.InstalledViews;

/** Installs the case study's parameterless saved queries as views of every catalog it opens. */
public final class PacmanViews implements InstalledViews {
  /** The saved queries that take no placeholder, so they can be views. */
  public static final List<String> NAMES = List.of("ghost_detectors", "anticipation");

  @Override
  public Map<String, String> views() {
    Map<String, String> views = new LinkedHashMap<>();
    for (String name : NAMES) {
      views.put(
          name,
          SavedQueries.load(name, Map.of())
              .lines()
              .filter(line -> !line.trim().startsWith("--"))
              .collect(Collectors.joining("\n")));
    }
    return views;
  }
}
