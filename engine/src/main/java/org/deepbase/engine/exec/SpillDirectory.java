package org.deepbase.engine.exec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One exact inspection's spill directory, named after the process that owns it (its id and start
 * time), and deleted by it when the inspection ends. A process killed mid-inspection (kill -9, an
 * interrupted command line, a crashed server) cannot delete its spill: the next inspection in the
 * same workspace does, as soon as no process with that id and start time is running.
 *
 * <p>A directory this cannot judge (named by an earlier version, by a process whose platform
 * reports no start time, or by a running process whose start time cannot be read) is removed a day
 * after its last write, as every spill was before. A workspace shared with another host or process
 * namespace is judged as if its processes were local, so a live owner there looks ended. On POSIX
 * systems deleting its spill then only frees the names: the owner opens its files right after
 * making the directory and keeps them open to the end, and open files stay readable and writable.
 */
final class SpillDirectory implements AutoCloseable {
  private static final String PREFIX = "inspect-";
  private static final long UNJUDGED_AFTER_MS = TimeUnit.DAYS.toMillis(1);

  private final Path path;

  private SpillDirectory(Path path) {
    this.path = path;
  }

  /** Creates a directory under {@code root} owned by this process. */
  static SpillDirectory create(Path root) throws IOException {
    Files.createDirectories(root);
    ProcessHandle self = ProcessHandle.current();
    long start = self.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
    return new SpillDirectory(
        Files.createTempDirectory(root, PREFIX + self.pid() + "-" + start + "-"));
  }

  /** Returns the directory. */
  Path path() {
    return path;
  }

  /** Deletes the directory and what it holds. */
  @Override
  public void close() {
    deleteTree(path);
  }

  /**
   * Deletes the spills under {@code root} whose owner has ended, and those this cannot judge that
   * were last written over a day ago. Other inspections create and delete their spills meanwhile:
   * one that vanishes while looked at is skipped, never an error.
   */
  static void removeOrphans(Path root) throws IOException {
    long now = System.currentTimeMillis();
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path dir : dirs.toList()) {
        Optional<Boolean> running = ownerRunning(dir.getFileName().toString());
        if (running.isPresent() ? !running.get() : lastWritten(dir) < now - UNJUDGED_AFTER_MS) {
          deleteTree(dir);
        }
      }
    }
  }

  /**
   * Returns whether the process a spill's name records is running (the same id, started at the same
   * moment: not a later process given a freed id), or empty when the name records none or this
   * process cannot tell.
   */
  static Optional<Boolean> ownerRunning(String name) {
    if (!name.startsWith(PREFIX)) {
      return Optional.empty();
    }
    String[] parts = name.substring(PREFIX.length()).split("-");
    long pid;
    long start;
    try {
      pid = Long.parseLong(parts[0]);
      start = parts.length > 2 ? Long.parseLong(parts[1]) : 0;
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    if (start == 0 || ProcessHandle.current().info().startInstant().isEmpty()) {
      return Optional.empty();
    }
    Optional<ProcessHandle> owner = ProcessHandle.of(pid);
    if (owner.isEmpty()) {
      return Optional.of(false);
    }
    // A process with that id whose start time this process may not read (another user's, say)
    // cannot be judged: it waits for the day rule rather than lose a live spill's names.
    return owner.get().info().startInstant().map(t -> t.toEpochMilli() == start);
  }

  /** Returns when a file under {@code dir} was last written ({@code Long.MAX_VALUE}: gone). */
  private static long lastWritten(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.mapToLong(f -> f.toFile().lastModified()).max().orElse(Long.MAX_VALUE);
    } catch (IOException | UncheckedIOException e) {
      return Long.MAX_VALUE; // gone, or going: its owner deletes it
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // Left for the next run's cleanup; no result depends on it.
    }
  }
}
