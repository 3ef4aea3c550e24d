package org.deepbase.report;

import org.apache.calcite.schema.SchemaPlus;
import org.apache.calcite.schema.impl.TableFunctionImpl;
import org.deepbase.sql.FunctionProvider;

/** Adds {@code plot()} to every connection when the report module is on the class path. */
public final class ReportFunctions implements FunctionProvider {
  @Override
  public void register(SchemaPlus schema) {
    schema.add("plot", TableFunctionImpl.create(PlotFunction.class, "plot"));
  }
}
