package org.deepbase.sql.schema;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.calcite.schema.Table;
import org.apache.calcite.schema.impl.AbstractSchema;
import org.apache.calcite.sql.type.SqlTypeName;
import org.deepbase.engine.catalog.Checkpoint;
import org.deepbase.engine.catalog.DatasetDescriptor;
import org.deepbase.engine.catalog.LayerInfo;
import org.deepbase.engine.catalog.ModelDescriptor;
import org.deepbase.engine.catalog.Shapes;
import org.deepbase.engine.data.CsvLine;
import org.deepbase.engine.data.DatasetFiles;
import org.deepbase.engine.hypothesis.Hypothesis;
import org.deepbase.engine.security.Principal;
import org.deepbase.engine.security.Role;
import org.deepbase.engine.workspace.Workspace;

/**
 * The {@code deepbase} schema over a workspace: catalog tables (models, layers, units, datasets,
 * records, hypotheses) and the virtual behaviors and annotations tables. Table and column names are
 * DeepBase's public SQL surface (DESIGN.md, "Relational model").
 */
public final class DeepBaseSchema extends AbstractSchema {
  public static final String NAME = "deepbase";

  private final Workspace workspace;
  private final SchemaExtension extension;
  private final Map<String, String> settings;

  /**
   * Creates the schema of a connection.
   *
   * @param settings the connection's DeepBase settings ({@code engine}, {@code spark.*})
   * @param principal who the connection's statements run as
   */
  public DeepBaseSchema(
      Workspace workspace,
      SchemaExtension extension,
      Map<String, String> settings,
      Principal principal) {
    this.workspace = workspace;
    this.extension = extension;
    this.settings = Map.copyOf(settings);
    this.principal = java.util.Objects.requireNonNull(principal, "principal is null");
  }

  private final Principal principal;

  private static @org.checkerframework.checker.nullness.qual.Nullable DeepBaseSchema of(
      org.apache.calcite.DataContext root) {
    org.apache.calcite.schema.SchemaPlus rootSchema = root.getRootSchema();
    org.apache.calcite.schema.SchemaPlus schema =
        rootSchema == null ? null : rootSchema.getSubSchema(NAME);
    return schema == null ? null : schema.unwrap(DeepBaseSchema.class);
  }

  /**
   * Returns the DeepBase settings of the connection a query runs on (empty when there are none).
   */
  public static Map<String, String> settingsOf(org.apache.calcite.DataContext root) {
    DeepBaseSchema deepbase = of(root);
    return deepbase == null ? Map.of() : deepbase.settings;
  }

  /** Returns who the query runs as; a query outside a DeepBase connection is only a reader. */
  public static Principal principalOf(org.apache.calcite.DataContext root) {
    DeepBaseSchema deepbase = of(root);
    return deepbase == null ? new Principal("unknown", Role.READER) : deepbase.principal;
  }

  /** Names of the built-in tables, which stored tables and views may not shadow. */
  public static final java.util.Set<String> BUILT_IN =
      java.util.Set.of(
          "models",
          "layers",
          "units",
          "datasets",
          "records",
          "hypotheses",
          "behaviors",
          "annotations");

  /** {@inheritDoc} */
  @Override
  protected com.google.common.collect.Multimap<String, org.apache.calcite.schema.Function>
      getFunctionMultimap() {
    com.google.common.collect.ImmutableMultimap.Builder<String, org.apache.calcite.schema.Function>
        views = com.google.common.collect.ImmutableMultimap.builder();
    extension.views().forEach(views::put);
    return views.build();
  }

  public Workspace workspace() {
    return workspace;
  }

  /**
   * Returns the workspace of the connection a query runs in (its root schema's deepbase schema).
   */
  public static Workspace workspaceOf(org.apache.calcite.DataContext root, String what) {
    DeepBaseSchema deepbase = of(root);
    if (deepbase == null) {
      throw new org.deepbase.engine.DeepBaseException(
          org.deepbase.engine.ErrorCode.BAD_WORKSPACE,
          what + " runs on a jdbc:deepbase: connection");
    }
    return deepbase.workspace();
  }

  /** {@inheritDoc} */
  @Override
  protected Map<String, Table> getTableMap() {
    Map<String, Table> tables = new java.util.HashMap<>(extension.tables());
    tables.putAll(builtIn());
    return tables;
  }

  private Map<String, Table> builtIn() {
    return Map.of(
        "models",
            new CatalogTable(
                new Columns()
                    .add("model", SqlTypeName.VARCHAR)
                    .add("checkpoint", SqlTypeName.INTEGER)
                    .add("format", SqlTypeName.VARCHAR)
                    .add("path", SqlTypeName.VARCHAR)
                    .add("input_shape", SqlTypeName.VARCHAR)
                    .add("latest", SqlTypeName.BOOLEAN),
                this::models),
        "layers",
            new CatalogTable(
                new Columns()
                    .add("model", SqlTypeName.VARCHAR)
                    .add("layer", SqlTypeName.VARCHAR)
                    .add("layer_index", SqlTypeName.INTEGER)
                    .add("kind", SqlTypeName.VARCHAR)
                    .add("shape", SqlTypeName.VARCHAR)
                    .add("unit_count", SqlTypeName.INTEGER),
                this::layers),
        "units",
            new CatalogTable(
                new Columns()
                    .add("model", SqlTypeName.VARCHAR)
                    .add("layer", SqlTypeName.VARCHAR)
                    .add("unit", SqlTypeName.INTEGER),
                this::units),
        "datasets",
            new CatalogTable(
                new Columns()
                    .add("dataset", SqlTypeName.VARCHAR)
                    .add("domain", SqlTypeName.VARCHAR)
                    .add("record_count", SqlTypeName.INTEGER)
                    .add("input_shape", SqlTypeName.VARCHAR)
                    .add("symbol_shape", SqlTypeName.VARCHAR),
                this::datasets),
        "records",
            new CatalogTable(
                new Columns()
                    .add("dataset", SqlTypeName.VARCHAR)
                    .add("record_id", SqlTypeName.INTEGER)
                    .add("metadata", SqlTypeName.VARCHAR),
                this::records),
        "hypotheses",
            new CatalogTable(
                new Columns()
                    .add("hypothesis", SqlTypeName.VARCHAR)
                    .add("kind", SqlTypeName.VARCHAR)
                    .add("dataset", SqlTypeName.VARCHAR)
                    .add("symbol_shape", SqlTypeName.VARCHAR)
                    .add("description", SqlTypeName.VARCHAR),
                this::hypotheses),
        "behaviors", new BehaviorsTable(workspace),
        "annotations", new AnnotationsTable(workspace));
  }

  private List<Object[]> models() {
    List<Object[]> rows = new ArrayList<>();
    for (ModelDescriptor model : workspace.models().values()) {
      List<Checkpoint> checkpoints = workspace.checkpoints(model.name());
      for (Checkpoint c : checkpoints) {
        rows.add(
            new Object[] {
              model.name(),
              c.epoch(),
              model.format(),
              c.path().toString(),
              Shapes.format(model.inputShape()),
              c.equals(checkpoints.get(checkpoints.size() - 1))
            });
      }
    }
    return rows;
  }

  private List<Object[]> layers() {
    List<Object[]> rows = new ArrayList<>();
    for (ModelDescriptor model : workspace.models().values()) {
      for (LayerInfo l : workspace.layersIfReadable(model)) {
        rows.add(
            new Object[] {
              model.name(), l.name(), l.index(), l.kind(), Shapes.format(l.shape()), l.unitCount()
            });
      }
    }
    return rows;
  }

  private List<Object[]> units() {
    List<Object[]> rows = new ArrayList<>();
    for (ModelDescriptor model : workspace.models().values()) {
      for (LayerInfo l : workspace.layersIfReadable(model)) {
        for (int u = 0; u < l.unitCount(); u++) {
          rows.add(new Object[] {model.name(), l.name(), u});
        }
      }
    }
    return rows;
  }

  private List<Object[]> datasets() {
    List<Object[]> rows = new ArrayList<>();
    for (DatasetDescriptor d : workspace.datasets().values()) {
      rows.add(
          new Object[] {
            d.name(),
            d.domain(),
            d.recordCount(),
            Shapes.format(d.inputShape()),
            Shapes.format(d.symbolShape())
          });
    }
    return rows;
  }

  private List<Object[]> records() {
    List<Object[]> rows = new ArrayList<>();
    for (DatasetDescriptor d : workspace.datasets().values()) {
      java.util.Optional<java.nio.file.Path> csv =
          DatasetFiles.records(workspace.datasetDir(d.name()), d);
      if (csv.isEmpty()) {
        for (int id = 0; id < d.recordCount(); id++) {
          rows.add(new Object[] {d.name(), id, "{}"});
        }
        continue;
      }
      try (BufferedReader in = Files.newBufferedReader(csv.get())) {
        List<String> header = CsvLine.split(in.readLine());
        String line;
        int id = 0;
        while ((line = in.readLine()) != null) {
          List<String> values = CsvLine.split(line);
          ObjectNode json = JSON.createObjectNode();
          for (int i = 0; i < header.size() && i < values.size(); i++) {
            if (!header.get(i).equals("record_id")) {
              String value = values.get(i);
              if (NUMBER.matcher(value).matches()) {
                json.put(header.get(i), new java.math.BigDecimal(value));
              } else {
                json.put(header.get(i), value);
              }
            }
          }
          rows.add(new Object[] {d.name(), id++, JSON.writeValueAsString(json)});
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return rows;
  }

  /** A CSV value written as a JSON number (not '007': leading zeros stay text). */
  private static final java.util.regex.Pattern NUMBER =
      java.util.regex.Pattern.compile("-?(0|[1-9]\\d*)(\\.\\d+)?([eE][+-]?\\d+)?");

  /** Writes records.metadata: Jackson escapes every control character (a tab, a newline). */
  private static final ObjectMapper JSON = new ObjectMapper();

  private List<Object[]> hypotheses() {
    List<Object[]> rows = new ArrayList<>();
    for (DatasetDescriptor d : workspace.datasets().values()) {
      for (Hypothesis h : workspace.hypotheses(d).values()) {
        rows.add(
            new Object[] {
              h.name(), h.kind(), d.name(), Shapes.format(d.symbolShape()), h.description()
            });
      }
    }
    return rows;
  }
}
