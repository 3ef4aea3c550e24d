package org.deepbase.sql;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.adapter.enumerable.CallImplementor;
import org.apache.calcite.adapter.enumerable.NullPolicy;
import org.apache.calcite.adapter.enumerable.RexImpTable;
import org.apache.calcite.linq4j.tree.Expression;
import org.apache.calcite.linq4j.tree.Expressions;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.schema.FunctionParameter;
import org.apache.calcite.schema.ImplementableFunction;
import org.apache.calcite.schema.ScalarFunction;
import org.apache.calcite.schema.impl.ScalarFunctionImpl;

/**
 * A scalar SQL function whose Java method also receives the query's {@code DataContext} (to find
 * the connection's workspace), which Calcite's reflective scalar functions cannot pass.
 *
 * <p>The SQL signature comes from a "shape" method with the SQL parameters only; the call is
 * generated to the implementation method, whose first parameter is the DataContext.
 */
final class ContextFunction implements ScalarFunction, ImplementableFunction {
  private final ScalarFunction shape;
  private final Method implementation;

  private ContextFunction(ScalarFunction shape, Method implementation) {
    this.shape = shape;
    this.implementation = implementation;
  }

  /**
   * Creates the function from {@code owner.name} (shape) and {@code owner.nameImpl} (with
   * DataContext first).
   */
  static ContextFunction of(Class<?> owner, String name) {
    ScalarFunction shape = ScalarFunctionImpl.create(owner, name);
    for (Method m : owner.getMethods()) {
      if (m.getName().equals(name + "Impl")) {
        return new ContextFunction(shape, m);
      }
    }
    throw new IllegalArgumentException("no method " + name + "Impl in " + owner);
  }

  /** {@inheritDoc} */
  @Override
  public List<FunctionParameter> getParameters() {
    return shape.getParameters();
  }

  /** {@inheritDoc} */
  @Override
  public RelDataType getReturnType(RelDataTypeFactory typeFactory) {
    return shape.getReturnType(typeFactory);
  }

  /** {@inheritDoc} */
  @Override
  public CallImplementor getImplementor() {
    return RexImpTable.createImplementor(
        (translator, call, operands) -> {
          List<Expression> arguments = new ArrayList<>();
          arguments.add(translator.getRoot());
          Class<?>[] types = implementation.getParameterTypes();
          for (int i = 0; i < operands.size(); i++) {
            arguments.add(Expressions.convert_(operands.get(i), types[i + 1]));
          }
          return Expressions.call(implementation, arguments);
        },
        NullPolicy.ANY,
        false);
  }
}
