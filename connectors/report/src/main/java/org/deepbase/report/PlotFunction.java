package org.deepbase.report;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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
import org.deepbase.sql.schema.DeepBaseSchema;

/**
 * SQL table function {@code plot(query => '...', title => '...')}: the chart {@code deepbase plot}
 * draws, as one row with the PNG (VARBINARY, shown by BI tools) and the SVG (VARCHAR).
 */
public final class PlotFunction {
  private PlotFunction() {}

  /** Creates the table; the query runs when it is scanned, on the same workspace. */
  public static ScannableTable plot(
      @Parameter(name = "query") String query,
      @Parameter(name = "title", optional = true) @Nullable String title) {
    return new PlotTable(query, title == null ? "scores" : title);
  }

  /** The one-row result. */
  private static final class PlotTable extends AbstractTable implements ScannableTable {
    private final String query;
    private final String title;

    PlotTable(String query, String title) {
      this.query = query;
      this.title = title;
    }

    @Override
    public RelDataType getRowType(RelDataTypeFactory f) {
      return f.builder().add("png", SqlTypeName.VARBINARY).add("svg", SqlTypeName.VARCHAR).build();
    }

    @Override
    public Enumerable<@Nullable Object[]> scan(DataContext root) {
      String url = "jdbc:deepbase:" + DeepBaseSchema.workspaceOf(root, "plot").root();
      try (Connection c = DriverManager.getConnection(url);
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery(query)) {
        var chart = HtmlReport.chart(title, Results.read(rs));
        return Linq4j.asEnumerable(
            List.<@Nullable Object[]>of(
                new Object[] {
                  new org.apache.calcite.avatica.util.ByteString(Charts.png(chart)),
                  Charts.svg(chart)
                }));
      } catch (SQLException e) {
        throw new IllegalStateException("plot: the query failed: " + e.getMessage(), e);
      }
    }
  }
}
