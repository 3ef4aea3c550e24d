package org.deepbase.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.deepbase.engine.catalog.Json;
import org.deepbase.engine.nn.LoadedModel;
import org.deepbase.queries.pacman.Agent;
import org.deepbase.queries.pacman.Episodes;
import org.deepbase.queries.pacman.GhostUse;
import org.deepbase.queries.pacman.PacmanWorkspace;
import org.deepbase.queries.pacman.Player;
import org.deepbase.queries.pacman.Policies;

/**
 * How the demo's agent plays, beside the scripted and the random player, and whether it uses the
 * ghost.
 */
final class Play {
  static final int GAMES = 100;
  static final long SEED = 2026;

  private Play() {}

  /** Prints the reinforcement learner's curve when the agent was trained so (one row per epoch). */
  static void learningCurve(Path modelDir, PrintStream out) {
    Path file = modelDir.resolve(PacmanWorkspace.LEARNING_CURVE);
    if (!Files.exists(file)) {
      return;
    }
    Agent.DqnEpoch[] curve = Json.read(file, Agent.DqnEpoch[].class);
    out.println(
        "Deep Q-learning, greedy play after each epoch on the same "
            + Agent.DQN_EVALUATION_GAMES
            + " games:");
    out.println("  epoch  epsilon  training return  greedy return  survives  caught");
    for (Agent.DqnEpoch e : curve) {
      out.printf(
          Locale.ROOT,
          "  %5d  %7.2f  %15.1f  %13.1f  %8.1f  %5.0f%%%n",
          e.epoch(),
          e.epsilon(),
          e.trainingReturn(),
          e.greedy().meanReturn(),
          e.greedy().meanSteps(),
          100 * e.greedy().caughtFraction());
    }
  }

  static void report(LoadedModel model, PrintStream out) {
    Player agent = Agent.player(model);
    out.println("Playing " + GAMES + " games from the same starts:");
    out.println("  agent:    " + Episodes.evaluate(agent, GAMES, SEED));
    out.println("  scripted: " + Episodes.evaluate(Player.scripted(), GAMES, SEED));
    out.println("  random:   " + Episodes.evaluate(Player.random(), GAMES, SEED));
    GhostUse use = GhostUse.measure(input -> Agent.act(model, input), 500, SEED);
    out.printf(
        Locale.ROOT,
        "Uses the ghost: in played games the ghost is within %d steps in %.0f%% of states; on the"
            + " %d of them where the scripted move depends on the ghost, the agent's move changes"
            + " when the ghost is moved away in %.0f%% and when its channel is zeroed in %.0f%%.%n",
        Policies.DANGER,
        100 * use.dangerFraction(),
        use.dependent(),
        100 * use.movedAway(),
        100 * use.zeroed());
  }
}
