package org.deepbase.engine.data;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.catalog.DatasetDescriptor;

/**
 * Finds a dataset's files and brings any supported input format to the one the engine maps: float32
 * .npy plus a metadata CSV.
 *
 * <p>Files that are not already float32 .npy (other dtypes, arrays inside an .npz, Arrow IPC and
 * CSV tables) are converted once, by streaming, into {@code .materialized/} inside the dataset
 * directory, under a name that carries the source's size and modification time: a changed source is
 * converted again, and a conversion interrupted half way never shows (atomic rename). This is what
 * a database does with external tables it scans often: ingest once into its own format.
 */
public final class DatasetFiles {
  /** The directory, inside a dataset's, holding converted files. */
  public static final String MATERIALIZED = ".materialized";

  /** The .npz array holding the inputs unless the spec names another. */
  public static final String NPZ_INPUTS = "inputs";

  private DatasetFiles() {}

  /** Returns the float32 .npy of a dataset's inputs, converting the source on first use. */
  public static Path inputs(Path dir, DatasetDescriptor dataset) {
    Spec spec = Spec.parse(dir, dataset);
    try {
      return switch (spec.format()) {
        case "npy" ->
            Npy.isFloat32(spec.file())
                ? spec.file()
                : materialize(
                    dir,
                    spec.file(),
                    "",
                    out -> {
                      try (InputStream in =
                          new BufferedInputStream(Files.newInputStream(spec.file()))) {
                        Npy.convert(in, Npy.readHeader(in), out);
                      }
                    });
        case "npz" -> npzArray(dir, spec.file(), spec.key());
        case "arrow", "csv" -> Tables.materialize(dir, spec.file(), dataset).inputs();
        default -> throw unsupported(dataset, spec);
      };
    } catch (IOException e) {
      throw new DeepBaseException(
          ErrorCode.BAD_WORKSPACE,
          "dataset '"
              + dataset.name()
              + "': cannot read "
              + spec.file().getFileName()
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /** Returns the metadata CSV (record_id first), if the dataset has one. */
  public static Optional<Path> records(Path dir, DatasetDescriptor dataset) {
    if (dataset.records() != null) {
      return Optional.of(dir.resolve(dataset.records()));
    }
    Spec spec = Spec.parse(dir, dataset);
    if (spec.format().equals("arrow") || spec.format().equals("csv")) {
      try {
        return Optional.of(Tables.materialize(dir, spec.file(), dataset).records());
      } catch (IOException e) {
        throw new DeepBaseException(
            ErrorCode.BAD_WORKSPACE,
            "dataset '"
                + dataset.name()
                + "': cannot read "
                + spec.file().getFileName()
                + ": "
                + e.getMessage(),
            e);
      }
    }
    Path csv = dir.resolve(DatasetDescriptor.RECORDS);
    return Files.isRegularFile(csv) ? Optional.of(csv) : Optional.empty();
  }

  /** Returns the headers of an .npz's arrays, by name, in file order. */
  public static Map<String, Npy.Header> npzArrays(Path npz) throws IOException {
    Map<String, Npy.Header> arrays = new LinkedHashMap<>();
    try (ZipFile zip = new ZipFile(npz.toFile())) {
      for (ZipEntry entry : java.util.Collections.list(zip.entries())) {
        if (entry.getName().endsWith(".npy")) {
          try (InputStream in = new BufferedInputStream(zip.getInputStream(entry))) {
            arrays.put(stem(entry.getName()), Npy.readHeader(in));
          }
        }
      }
    }
    return arrays;
  }

  /** Returns the float32 .npy of one array of an .npz, converting it on first use. */
  public static Path npzArray(Path dir, Path npz, String key) throws IOException {
    return materialize(
        dir,
        npz,
        key,
        out -> {
          try (ZipFile zip = new ZipFile(npz.toFile())) {
            ZipEntry entry = zip.getEntry(key + ".npy");
            if (entry == null) {
              throw new IOException(
                  "it has no array '" + key + "'; its arrays: " + npzArrays(npz).keySet());
            }
            try (InputStream in = new BufferedInputStream(zip.getInputStream(entry))) {
              Npy.convert(in, Npy.readHeader(in), out);
            }
          }
        });
  }

  /** Returns the .npz file of a dataset whose inputs are in one, if so. */
  public static Optional<Path> npz(Path dir, DatasetDescriptor dataset) {
    Spec spec = Spec.parse(dir, dataset);
    return spec.format().equals("npz") ? Optional.of(spec.file()) : Optional.empty();
  }

  /** Returns the name of the .npz array holding the inputs. */
  public static String npzInputsKey(Path dir, DatasetDescriptor dataset) {
    return Spec.parse(dir, dataset).key();
  }

  /**
   * Completes a descriptor from its inputs file: record_count, input_shape and (unless set)
   * symbol_shape. The symbol shape defaults to an annotation array's record shape, else [H, W] of
   * [C, H, W] inputs, [T] of [T, D] inputs, [1] of [D] inputs.
   */
  public static DatasetDescriptor complete(Path dir, DatasetDescriptor dataset) {
    if (dataset.complete()) {
      return dataset;
    }
    Spec spec = Spec.parse(dir, dataset);
    try {
      List<Integer> shape;
      List<Integer> annotationShape = null;
      if (spec.format().equals("npz")) {
        Map<String, Npy.Header> arrays = npzArrays(spec.file());
        Npy.Header inputs = arrays.get(spec.key());
        if (inputs == null) {
          throw new IOException(
              spec.file().getFileName()
                  + " has no array '"
                  + spec.key()
                  + "' (the inputs, [N, ...]);"
                  + " its arrays: "
                  + arrays.keySet());
        }
        shape = inputs.shape();
        for (Map.Entry<String, Npy.Header> a : arrays.entrySet()) {
          if (!a.getKey().equals(spec.key())
              && (dataset.annotations() == null || dataset.annotations().contains(a.getKey()))
              && !a.getValue().shape().isEmpty()
              && a.getValue().shape().get(0).equals(shape.get(0))) {
            annotationShape = a.getValue().recordShape();
            break;
          }
        }
      } else {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(inputs(dir, dataset)))) {
          shape = Npy.readHeader(in).shape();
        }
      }
      if (shape.size() < 2) {
        throw new IOException("inputs have shape " + shape + "; expected [N, ...record shape]");
      }
      List<Integer> input = shape.subList(1, shape.size());
      List<Integer> symbols =
          !dataset.symbolShape().isEmpty()
              ? dataset.symbolShape()
              : annotationShape != null && !annotationShape.isEmpty()
                  ? annotationShape
                  : input.size() == 3
                      ? input.subList(1, 3)
                      : input.size() == 2 ? input.subList(0, 1) : List.of(1);
      return dataset.withShapes(shape.get(0), input, symbols);
    } catch (IOException e) {
      throw new DeepBaseException(
          ErrorCode.BAD_WORKSPACE,
          "dataset '" + dataset.name() + "' in " + dir + ": " + e.getMessage(),
          e);
    }
  }

  /** Describes a directory without dataset.json from its one data file; empty if it has none. */
  public static Optional<DatasetDescriptor> infer(Path dir) {
    List<Path> data;
    try (Stream<Path> files = Files.list(dir)) {
      data =
          files
              .filter(Files::isRegularFile)
              .filter(f -> Spec.format(f) != null)
              .filter(f -> !f.getFileName().toString().equals(DatasetDescriptor.RECORDS))
              .sorted()
              .toList();
    } catch (IOException e) {
      return Optional.empty();
    }
    if (data.isEmpty()) {
      return Optional.empty();
    }
    if (data.size() > 1) {
      throw new DeepBaseException(
          ErrorCode.BAD_WORKSPACE,
          "dataset directory "
              + dir
              + " has several data files "
              + data.stream().map(p -> p.getFileName().toString()).toList()
              + " and no dataset.json saying which holds the inputs");
    }
    String name = dir.getFileName().toString();
    DatasetDescriptor bare =
        new DatasetDescriptor(
            name, null, 0, null, null, data.get(0).getFileName().toString(), null, null, null);
    return Optional.of(complete(dir, bare));
  }

  /** Writes a converted file atomically under .materialized/, unless an up-to-date one exists. */
  static Path materialize(Path dir, Path source, String part, Writer writer) throws IOException {
    return materialize(dir, source, part, ".npy", writer);
  }

  static Path materialize(Path dir, Path source, String part, String extension, Writer writer)
      throws IOException {
    Path folder = dir.resolve(MATERIALIZED);
    // Array names may hold characters file names cannot (np.savez keys are free text).
    String safe = part.replaceAll("[^A-Za-z0-9_-]", "_");
    if (!safe.equals(part)) {
      safe += "_" + Integer.toHexString(part.hashCode());
    }
    String prefix = source.getFileName() + (part.isEmpty() ? "" : "." + safe) + ".";
    Path target =
        folder.resolve(
            prefix
                + Files.size(source)
                + "-"
                + Files.getLastModifiedTime(source).toMillis()
                + extension);
    if (Files.isRegularFile(target)) {
      return target;
    }
    Files.createDirectories(folder);
    Path tmp = Files.createTempFile(folder, prefix, ".tmp");
    try {
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp))) {
        writer.write(out);
      }
      try {
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
    removeStale(folder, prefix, target);
    return target;
  }

  private static void removeStale(Path folder, String prefix, Path keep) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      for (Path f : files.toList()) {
        String n = f.getFileName().toString();
        if (!f.equals(keep)
            && n.startsWith(prefix)
            && n.substring(prefix.length()).matches("\\d+-\\d+\\..*")
            && n.endsWith(
                keep.getFileName()
                    .toString()
                    .substring(keep.getFileName().toString().lastIndexOf('.')))) {
          Files.deleteIfExists(f);
        }
      }
    }
  }

  /** Writes a converted file's bytes. */
  @FunctionalInterface
  interface Writer {
    void write(OutputStream out) throws IOException;
  }

  private static DeepBaseException unsupported(DatasetDescriptor dataset, Spec spec) {
    return new DeepBaseException(
        ErrorCode.BAD_WORKSPACE,
        "dataset '"
            + dataset.name()
            + "': cannot read inputs "
            + spec.file().getFileName()
            + " (known: .npy, .npz, .arrow/.feather/.ipc, .csv)");
  }

  private static String stem(String entry) {
    return entry.substring(0, entry.length() - ".npy".length());
  }

  /** A parsed inputs spec: file, format and (for .npz) array name. */
  record Spec(Path file, String format, String key) {
    static Spec parse(Path dir, DatasetDescriptor dataset) {
      String spec = dataset.inputsSpec();
      String key = NPZ_INPUTS;
      int colon = spec.lastIndexOf(':');
      if (colon > 0 && spec.substring(0, colon).endsWith(".npz")) {
        key = spec.substring(colon + 1);
        spec = spec.substring(0, colon);
      }
      Path file = dir.resolve(spec);
      if (!Files.isRegularFile(file)) {
        throw new DeepBaseException(
            ErrorCode.BAD_WORKSPACE,
            "dataset '" + dataset.name() + "': inputs file " + file + " does not exist");
      }
      String format = format(file);
      return new Spec(file, format == null ? "?" : format, key);
    }

    static String format(Path file) {
      String n = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
      if (n.endsWith(".npy")) {
        return "npy";
      } else if (n.endsWith(".npz")) {
        return "npz";
      } else if (n.endsWith(".arrow") || n.endsWith(".feather") || n.endsWith(".ipc")) {
        return "arrow";
      } else if (n.endsWith(".csv")) {
        return "csv";
      }
      return null;
    }
  }

  /** Writes one CSV row, quoting fields that need it. */
  static void writeRow(BufferedWriter out, List<String> fields) throws IOException {
    List<String> quoted = new ArrayList<>(fields.size());
    for (String f : fields) {
      quoted.add(
          f.contains(",") || f.contains("\"") || f.contains("\n")
              ? "\"" + f.replace("\"", "\"\"") + "\""
              : f);
    }
    out.write(String.join(",", quoted));
    out.newLine();
  }
}
