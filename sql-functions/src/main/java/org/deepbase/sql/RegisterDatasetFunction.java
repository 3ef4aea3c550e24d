package org.deepbase.sql;

import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.DataContext;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Linq4j;
import org.apache.calcite.linq4j.function.Parameter;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.schema.ScannableTable;
import org.apache.calcite.schema.impl.AbstractTable;
import org.apache.calcite.sql.type.SqlTypeName;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.catalog.DatasetDescriptor;
import org.deepbase.engine.catalog.Shapes;
import org.deepbase.engine.security.Role;
import org.deepbase.engine.workspace.DatasetRegistration;
import org.deepbase.engine.workspace.Workspace;
import org.deepbase.sql.schema.DeepBaseSchema;

/**
 * SQL table function {@code register_dataset(name, path [, domain, symbol_shape])}: makes a data
 * file a dataset of the workspace and returns its catalog row plus its hypotheses (annotation
 * arrays of an .npz among them). {@code symbol_shape} is written like {@code '8,10'}.
 */
public final class RegisterDatasetFunction {
  private RegisterDatasetFunction() {}

  /** Creates the table; the registration happens when it is scanned. */
  public static ScannableTable registerDataset(
      @Parameter(name = "name") String name,
      @Parameter(name = "path") String path,
      @Parameter(name = "domain", optional = true) @Nullable String domain,
      @Parameter(name = "symbol_shape", optional = true) @Nullable String symbolShape) {
    return new Registration(name, path, domain, symbolShape);
  }

  /** The one-row result of a registration, made when scanned. */
  private static final class Registration extends AbstractTable implements ScannableTable {
    private final String name;
    private final String path;
    private final @Nullable String domain;
    private final @Nullable String symbolShape;

    Registration(String name, String path, @Nullable String domain, @Nullable String symbolShape) {
      this.name = name;
      this.path = path;
      this.domain = domain;
      this.symbolShape = symbolShape;
    }

    @Override
    public RelDataType getRowType(RelDataTypeFactory f) {
      return f.builder()
          .add("dataset", SqlTypeName.VARCHAR)
          .add("record_count", SqlTypeName.INTEGER)
          .add("input_shape", SqlTypeName.VARCHAR)
          .add("symbol_shape", SqlTypeName.VARCHAR)
          .add("hypotheses", SqlTypeName.VARCHAR)
          .build();
    }

    @Override
    public Enumerable<@Nullable Object[]> scan(DataContext root) {
      Workspace workspace = DeepBaseSchema.workspaceOf(root, "register_dataset");
      DeepBaseSchema.principalOf(root).require(Role.ADMIN, "register_dataset");
      List<Integer> symbols = null;
      if (symbolShape != null) {
        symbols = new ArrayList<>();
        for (String d : symbolShape.split(",")) {
          symbols.add(Integer.parseInt(d.trim()));
        }
      }
      DatasetDescriptor d = DatasetRegistration.register(workspace, name, path, domain, symbols);
      Object[] row = {
        d.name(),
        d.recordCount(),
        Shapes.format(d.inputShape()),
        Shapes.format(d.symbolShape()),
        String.join(",", workspace.hypotheses(d).keySet())
      };
      return Linq4j.asEnumerable(List.<@Nullable Object[]>of(row));
    }
  }
}
