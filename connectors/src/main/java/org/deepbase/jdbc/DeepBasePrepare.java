package org.deepbase.jdbc;

import org.apache.calcite.avatica.util.Casing;
import org.apache.calcite.prepare.CalcitePrepareImpl;
import org.apache.calcite.sql.parser.SqlParser;
import org.apache.calcite.sql.parser.babel.SqlBabelParserImpl;

/**
 * Calcite's statement preparation with DeepBase's parser settings everywhere.
 *
 * <p>Calcite parses a statement with the connection's parser factory but expands views with
 * {@link #createParser(String)}, which defaults to the standard parser: a saved view using
 * {@code corr(...)} or INSPECT's {@code measures =>} argument would fail to expand. This makes
 * view expansion parse exactly like the statements users type.
 */
final class DeepBasePrepare extends CalcitePrepareImpl {
  static final SqlParser.Config PARSER = SqlParser.config()
      .withParserFactory(SqlBabelParserImpl.FACTORY)
      .withCaseSensitive(false)
      .withUnquotedCasing(Casing.UNCHANGED)
      .withQuotedCasing(Casing.UNCHANGED);

  /** {@inheritDoc} */
  @Override
  protected SqlParser createParser(String sql) {
    return SqlParser.create(sql, PARSER);
  }
}
