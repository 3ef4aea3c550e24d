#!/usr/bin/env python3
"""Where each thread's wall-clock time goes in a DeepBase run, before and after its last forward pass.

Reads `jfr print --events jdk.ExecutionSample` of an async-profiler wall-clock recording (every
thread sampled every INTERVAL ms, running or not) from stdin; tools/profile_wall.sh makes one.
Threads are grouped (main, the scoring pool, PyTorch's native workers, the JIT, the GC) and each
sample is put in one category by the frames on its stack. "idle" is a thread that was waiting.

    jfr print --events jdk.ExecutionSample --stack-depth 16 run.jfr | tools/wall_breakdown.py 10

Standard library only: it runs wherever the JDK's `jfr` does.
"""

import collections
import re
import sys

# First match wins: a frame anywhere on the stack decides.
CATEGORIES = [
    ("forward pass", ("TorchScriptModel.run", "LoadedModel.forward", "DjlModel.")),
    ("model load", ("TorchScriptModel.load", "LoadedModel.load", "ai.djl.engine.Engine")),
    ("spill deletion", ("deleteTree",)),
    ("behavior writes", ("BehaviorCache$Writer", "WriteChannel", "ArrowFileWriter", "exec.Spill.")),
    ("behavior reads", ("BehaviorCache$Reader", "ArrowFileReader", "ReadChannel", "Spill$Reader")),
    ("extraction copies", ("Extractor.", "GridAlignment", "NativeBehaviors")),
    ("input reads", ("DatasetReader", "Preprocessing")),
    ("scoring", ("AccumulatorGrid", "engine.measure.", "engine.hypothesis.", "BilinearResize")),
    ("SQL planning", ("org.apache.calcite", "org.codehaus.janino")),
]
WAITING = ("futex", "epoll_wait", "poll", "nanosleep", "pthread_cond", "__GI___wait", "sched_yield")


def parse(text):
    """Yields (seconds, thread, state, frames) per sample."""
    for event in text.split("jdk.ExecutionSample {")[1:]:
        when = re.search(r"startTime = (\d+):(\d+):([\d.]+)", event)
        thread = re.search(r'sampledThread = "(.*)" \((?:osThreadId|javaThreadId) = (\d+)', event)
        state = re.search(r'state = "(\w+)"', event)
        if not (when and thread and state):
            continue
        seconds = int(when.group(1)) * 3600 + int(when.group(2)) * 60 + float(when.group(3))
        frames = re.findall(r"^\s+(\S.*?)\s+line:", event, re.M)
        yield seconds, (thread.group(1), thread.group(2)), state.group(1), frames


def group(thread):
    name, ident = thread
    if name == "main":
        return "main"
    if name.startswith("ForkJoinPool"):
        return "scoring pool"
    if name.startswith(("C1 Compiler", "C2 Compiler")):
        return "JIT"
    if name.startswith(("GC Thread", "G1 ")):
        return "GC"
    if name == "java" or name.startswith("[tid="):
        return "native workers"
    return "other JVM threads"


def category(state, frames, thread_group="main"):
    top = frames[0] if frames else ""
    if state != "STATE_RUNNABLE" or any(w in top for w in WAITING):
        return "idle"
    if thread_group == "native workers":
        return "OpenMP spin-waits" if "libgomp" in top else "PyTorch kernels"
    if thread_group in ("JIT", "GC"):
        return "compiling" if thread_group == "JIT" else "collecting"
    stack = " ".join(frames)
    for label, marks in CATEGORIES:
        if any(m in stack for m in marks):
            return label
    return "other"


def main():
    interval = float(sys.argv[1]) / 1000 if len(sys.argv) > 1 else 0.01
    samples = list(parse(sys.stdin.read()))
    if not samples:
        sys.exit("no jdk.ExecutionSample events on stdin")
    start = min(s[0] for s in samples)
    forward = [s[0] for s in samples if category(s[2], s[3]) == "forward pass"]
    last_forward = max(forward) if forward else start
    phases = [("up to the last forward pass", start, last_forward), ("after it", last_forward, float("inf"))]
    print(f"run: {max(s[0] for s in samples) - start:.1f} s; last forward pass at {last_forward - start:.1f} s")
    for label, lo, hi in phases:
        table = collections.defaultdict(collections.Counter)
        for seconds, thread, state, frames in samples:
            if lo <= seconds < hi or (hi == float("inf") and seconds >= lo):
                g = group(thread)
                table[g][category(state, frames, g)] += 1
        print(f"\n== {label} ({(min(hi, max(s[0] for s in samples)) - lo):.1f} s)")
        for g in ("main", "scoring pool", "native workers", "JIT", "GC"):
            if g not in table:
                continue
            counts = table[g]
            busy = ", ".join(
                f"{c} {n * interval:.1f} s" for c, n in counts.most_common() if c != "idle" and n * interval >= 0.05
            )
            # Idle time means something for one thread (main) or a pool sized to the cores only.
            idle = f"idle {counts['idle'] * interval:5.1f} s | " if g in ("main", "scoring pool") else ""
            print(f"{g:15s} {idle}{busy}")


if __name__ == "__main__":
    main()
