package org.deepbase.engine.exec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.BooleanSupplier;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.plan.InspectionRequest;
import org.deepbase.engine.workspace.Workspace;

/**
 * Runs an inspection somewhere: in this JVM ({@code local}, the default) or on a cluster ({@code
 * spark}, from the deepbase-spark module). Chosen by the connection setting {@code engine}; the
 * same query returns the same rows on every engine.
 *
 * <p>Service provider interface: engines other than {@code local} are found with {@link
 * ServiceLoader} in {@code META-INF/services/org.deepbase.engine.exec.InspectionEngine}.
 */
public interface InspectionEngine {
  /** The connection setting naming the engine. */
  String SETTING = "engine";

  /** Returns the engine's name, the value of the {@code engine} setting that selects it. */
  String name();

  /**
   * Runs the inspection.
   *
   * @param settings the connection's settings (e.g. {@code spark.master})
   */
  List<InspectionRow> run(
      Workspace workspace,
      InspectionRequest request,
      BooleanSupplier cancelled,
      Map<String, String> settings);

  /** Returns the engine a connection's settings select. */
  static InspectionEngine of(Map<String, String> settings) {
    String name = settings.getOrDefault(SETTING, "local");
    if (name.equals("local")) {
      return Local.INSTANCE;
    }
    List<String> known = new ArrayList<>(List.of("local"));
    for (InspectionEngine engine : ServiceLoader.load(InspectionEngine.class)) {
      if (engine.name().equals(name)) {
        return engine;
      }
      known.add(engine.name());
    }
    throw new DeepBaseException(
        ErrorCode.BAD_ARGUMENT,
        "unknown engine '"
            + name
            + "'; available: "
            + known
            + (name.equals("spark")
                ? " (engine=spark needs the deepbase-spark jar and Spark on the class path:"
                    + " see docs/spark.md)"
                : ""));
  }

  /** This JVM's fused operator. */
  final class Local implements InspectionEngine {
    static final Local INSTANCE = new Local();

    @Override
    public String name() {
      return "local";
    }

    @Override
    public List<InspectionRow> run(
        Workspace workspace,
        InspectionRequest request,
        BooleanSupplier cancelled,
        Map<String, String> settings) {
      return new Inspection(workspace, request, cancelled).run();
    }
  }
}
