package org.deepbase.sql;

import java.util.Map;
import org.apache.calcite.plan.RelOptRule;
import org.apache.calcite.plan.RelOptUtil;
import org.apache.calcite.plan.hep.HepPlanner;
import org.apache.calcite.plan.hep.HepProgram;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.schema.SchemaPlus;
import org.apache.calcite.schema.Table;
import org.apache.calcite.schema.TableMacro;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.tools.FrameworkConfig;
import org.apache.calcite.tools.Frameworks;
import org.apache.calcite.tools.Planner;
import org.deepbase.engine.security.Principal;
import org.deepbase.engine.workspace.Workspace;
import org.deepbase.sql.schema.DeepBaseSchema;
import org.deepbase.sql.schema.SchemaExtension;

/**
 * Plans SQL against a workspace's {@code deepbase} schema and applies one rule, as Calcite's own
 * rule tests do: the logical plan before, the plan after, both as {@link RelOptUtil#toString} text.
 * No JDBC connection and no catalog database: only the schema, the parser and a Hep planner.
 */
final class RulePlans {
  private final FrameworkConfig config;

  RulePlans(Workspace workspace) {
    SchemaPlus root = Frameworks.createRootSchema(true);
    SchemaPlus deepbase =
        root.add(
            DeepBaseSchema.NAME,
            new DeepBaseSchema(workspace, new NoStoredObjects(), Map.of(), Principal.local()));
    DeepBaseFunctions.register(deepbase);
    config =
        Frameworks.newConfigBuilder()
            .defaultSchema(deepbase)
            .parserConfig(DeepBasePrepare.PARSER)
            .build();
  }

  /** Returns the logical plan of a query, as SqlToRelConverter builds it. */
  RelNode logical(String sql) throws Exception {
    try (Planner planner = Frameworks.getPlanner(config)) {
      SqlNode parsed = planner.parse(sql);
      return planner.rel(planner.validate(parsed)).project();
    }
  }

  /**
   * Returns the plan of a query after one rule, applied by a Hep planner until it no longer fires.
   */
  String after(String sql, RelOptRule rule) throws Exception {
    HepPlanner hep = new HepPlanner(HepProgram.builder().addRuleInstance(rule).build());
    hep.setRoot(logical(sql));
    return RelOptUtil.toString(hep.findBestExp());
  }

  /** Returns the logical plan of a query as text. */
  String before(String sql) throws Exception {
    return RelOptUtil.toString(logical(sql));
  }

  /** A workspace without saved views or stored tables. */
  private static final class NoStoredObjects implements SchemaExtension {
    @Override
    public Map<String, Table> tables() {
      return Map.of();
    }

    @Override
    public Map<String, TableMacro> views() {
      return Map.of();
    }
  }
}
