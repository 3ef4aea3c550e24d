package org.deepbase.sql;

import java.nio.file.Path;
import org.deepbase.queries.pacman.PlantedAgent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rule test over a small planted-agent workspace of its own (one per test class, no shared
 * state).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class PlantedRuleTest {
  RulePlans plans;

  @BeforeAll
  void workspace(@TempDir Path dir) throws Exception {
    plans = new RulePlans(PlantedAgent.workspace(dir, "pacman", 7, 4));
  }
}
