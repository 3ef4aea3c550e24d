package org.deepbase.engine;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The engine is the core layer: its packages form no cycle, and it knows nothing of SQL, JDBC,
 * servers or the modules built on it. (The Maven enforcer checks the same at the dependency level;
 * this catches what a transitive jar would let compile.)
 */
class ArchitectureTest {
  private static JavaClasses engine;

  @BeforeAll
  static void importEngine() {
    engine =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.deepbase.engine");
  }

  @Test
  void packagesFormNoCycle() {
    slices().matching("org.deepbase.engine.(*)..").should().beFreeOfCycles().check(engine);
  }

  @Test
  void noSqlJdbcOrServerCode() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.apache.calcite..",
            "java.sql..",
            "javax.sql..",
            "org.h2..",
            "org.eclipse.jetty..",
            "org.apache.spark..")
        .because(
            "the engine is the Calcite-free core; SQL belongs to sql-functions, JDBC to connectors")
        .check(engine);
  }

  @Test
  void noUpwardDependency() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.deepbase.sql..",
            "org.deepbase.jdbc..",
            "org.deepbase.store..",
            "org.deepbase.server..",
            "org.deepbase.cli..",
            "org.deepbase.report..",
            "org.deepbase.queries..",
            "org.deepbase.bench..",
            "org.deepbase.spark..")
        .check(engine);
  }
}
