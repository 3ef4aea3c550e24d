package org.deepbase.engine.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A spill left by a killed process is removed by the next inspection at once; a running owner's is
 * not, and one whose owner cannot be judged waits a day, as before.
 */
class SpillDirectoryTest {
  /** The owner a test kills: makes a spill directory, writes in it, says where, and waits. */
  public static final class Owner {
    public static void main(String[] args) throws Exception {
      SpillDirectory spill = SpillDirectory.create(Path.of(args[0]));
      Files.write(spill.path().resolve("layer1.spill"), new byte[4096]);
      System.out.println(spill.path());
      System.out.flush();
      Thread.sleep(TimeUnit.MINUTES.toMillis(2));
    }
  }

  @Test
  void aKilledOwnersSpillIsRemovedByTheNextInspection(@TempDir Path root) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Process owner =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                Owner.class.getName(),
                root.toString())
            .redirectErrorStream(true)
            .start();
    try {
      Path dir;
      try (BufferedReader out =
          new BufferedReader(
              new InputStreamReader(owner.getInputStream(), StandardCharsets.UTF_8))) {
        dir = Path.of(out.readLine());
      }
      assertTrue(Files.exists(dir.resolve("layer1.spill")), dir.toString());
      assertEquals(Optional.of(true), SpillDirectory.ownerRunning(dir.getFileName().toString()));
      SpillDirectory.removeOrphans(root);
      assertTrue(Files.exists(dir), "the owner runs: its spill stays");

      owner.destroyForcibly(); // kill -9: nothing of the owner's runs after it
      assertTrue(owner.waitFor(30, TimeUnit.SECONDS));
      assertTrue(Files.exists(dir), "a killed process cannot delete its spill");
      assertEquals(Optional.of(false), SpillDirectory.ownerRunning(dir.getFileName().toString()));
      SpillDirectory.removeOrphans(root);
      assertFalse(Files.exists(dir), "removed at once, not a day later");
    } finally {
      owner.destroyForcibly();
    }
  }

  @Test
  void thisProcessesSpillStaysUntilClosed(@TempDir Path root) throws Exception {
    try (SpillDirectory spill = SpillDirectory.create(root.resolve("spill"))) {
      Files.write(spill.path().resolve("layer1.spill"), new byte[16]);
      SpillDirectory.removeOrphans(root.resolve("spill"));
      assertTrue(Files.exists(spill.path().resolve("layer1.spill")));
      spill.close();
      assertFalse(Files.exists(spill.path()));
    }
  }

  @Test
  void aSpillWhoseOwnerCannotBeJudgedWaitsADay(@TempDir Path root) throws Exception {
    // Named as before owners were recorded, and by a process id that is not running here (above
    // Linux's largest) with no start time: neither can be judged, so both wait a day.
    for (String name : new String[] {"inspect123", "inspect-4194305-0-7"}) {
      Path dir = Files.createDirectories(root.resolve(name));
      Path file = Files.write(dir.resolve("layer1.spill"), new byte[16]);
      assertEquals(Optional.empty(), SpillDirectory.ownerRunning(name), name);
      SpillDirectory.removeOrphans(root);
      assertTrue(Files.exists(file), name + " written just now stays");
      long dayAgo = System.currentTimeMillis() - 25 * 3_600_000L;
      assertTrue(file.toFile().setLastModified(dayAgo) && dir.toFile().setLastModified(dayAgo));
      SpillDirectory.removeOrphans(root);
      assertFalse(Files.exists(dir), name + " written a day ago goes");
    }
    // A recorded owner that is not running is judged at once.
    Path gone = Files.createDirectories(root.resolve("inspect-4194305-1796000000000-9"));
    assertEquals(Optional.of(false), SpillDirectory.ownerRunning(gone.getFileName().toString()));
    SpillDirectory.removeOrphans(root);
    assertFalse(Files.exists(gone));
  }
}
