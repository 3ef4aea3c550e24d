package org.deepbase.sql;

import java.lang.reflect.Type;
import org.apache.calcite.adapter.enumerable.EnumerableConvention;
import org.apache.calcite.adapter.enumerable.EnumerableRel;
import org.apache.calcite.adapter.enumerable.EnumerableRules;
import org.apache.calcite.adapter.java.JavaTypeFactory;
import org.apache.calcite.avatica.util.Casing;
import org.apache.calcite.interpreter.BindableConvention;
import org.apache.calcite.jdbc.CalcitePrepare;
import org.apache.calcite.plan.Convention;
import org.apache.calcite.plan.RelOptCostFactory;
import org.apache.calcite.plan.RelOptPlanner;
import org.apache.calcite.prepare.CalciteCatalogReader;
import org.apache.calcite.prepare.CalcitePrepareImpl;
import org.apache.calcite.prepare.Prepare;
import org.apache.calcite.rel.rules.CoreRules;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.sql.parser.SqlParser;
import org.apache.calcite.sql.parser.babel.SqlBabelParserImpl;
import org.apache.calcite.sql2rel.SqlRexConvertletTable;
import org.apache.calcite.tools.Program;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Calcite's statement preparation with DeepBase's parser and planner, set up per connection (the
 * driver passes this class as its prepare factory) rather than for the whole JVM through Calcite's
 * {@code Hook}s, which Calcite documents as a testing aid: a plain Calcite connection in the same
 * process keeps Calcite's own planner.
 *
 * <p>Parser: Calcite parses a statement with the connection's parser factory but expands views with
 * {@link #createParser(String)}, which defaults to the standard parser; a saved view using {@code
 * corr(...)} or INSPECT's {@code measures =>} argument would fail to expand. This makes view
 * expansion parse exactly like the statements users type.
 *
 * <p>Planner: see {@link DeepBaseFunctions#program()} for the rewrite phases and {@link
 * #createPlanner} for the join rules removed.
 */
public class DeepBasePrepare extends CalcitePrepareImpl {
  /** The parser settings of every statement and view. */
  public static final SqlParser.Config PARSER =
      SqlParser.config()
          .withParserFactory(SqlBabelParserImpl.FACTORY)
          .withCaseSensitive(false)
          .withUnquotedCasing(Casing.UNCHANGED)
          .withQuotedCasing(Casing.UNCHANGED);

  /** {@inheritDoc} */
  @Override
  protected SqlParser createParser(String sql) {
    return SqlParser.create(sql, PARSER);
  }

  /**
   * Creates Calcite's Volcano planner without join commutation and merge joins: Calcite's hash join
   * costs favour hashing the larger input, which for behaviors ⋈ annotations would buffer every
   * behavior row; as written, annotations (small) are hashed and behaviors stream. Merge joins sort
   * (buffer) both inputs, and behaviors are never to be materialised.
   */
  @Override
  protected RelOptPlanner createPlanner(
      CalcitePrepare.Context prepareContext,
      org.apache.calcite.plan.@Nullable Context externalContext,
      @Nullable RelOptCostFactory costFactory) {
    RelOptPlanner planner = super.createPlanner(prepareContext, externalContext, costFactory);
    planner.removeRule(CoreRules.JOIN_COMMUTE);
    planner.removeRule(EnumerableRules.ENUMERABLE_MERGE_JOIN_RULE);
    return planner;
  }

  /** Creates the statement preparation of Calcite's own method, with DeepBase's program. */
  @Override
  protected CalcitePreparingStmt getPreparingStmt(
      CalcitePrepare.Context context,
      Type elementType,
      CalciteCatalogReader catalogReader,
      RelOptPlanner planner) {
    JavaTypeFactory typeFactory = context.getTypeFactory();
    EnumerableRel.Prefer prefer =
        elementType == Object[].class ? EnumerableRel.Prefer.ARRAY : EnumerableRel.Prefer.CUSTOM;
    Convention resultConvention =
        enableBindable ? BindableConvention.INSTANCE : EnumerableConvention.INSTANCE;
    return new PreparingStmt(
        this,
        context,
        catalogReader,
        typeFactory,
        prefer,
        createCluster(planner, new RexBuilder(typeFactory)),
        resultConvention,
        createConvertletTable());
  }

  /** A statement preparation whose optimiser runs DeepBase's program. */
  private static final class PreparingStmt extends CalcitePreparingStmt {
    PreparingStmt(
        CalcitePrepareImpl prepare,
        CalcitePrepare.Context context,
        Prepare.CatalogReader catalogReader,
        JavaTypeFactory typeFactory,
        EnumerableRel.Prefer prefer,
        org.apache.calcite.plan.RelOptCluster cluster,
        Convention resultConvention,
        SqlRexConvertletTable convertlets) {
      super(
          prepare,
          context,
          catalogReader,
          typeFactory,
          context.getRootSchema(),
          prefer,
          cluster,
          resultConvention,
          convertlets);
    }

    @Override
    protected Program getProgram() {
      return DeepBaseFunctions.program();
    }
  }
}
