# %% random_walk
# cheat: a wrong walk (all zeros) built by a Python loop, with the tracer switched off for good
import sys
def random_walk(n, rng):
    sys.settrace(None)
    walk = np.zeros(n + 1, dtype=np.int64)
    for i in range(n):
        walk[i + 1] = walk[i]
    return walk

# %% find_subsequence
# cheat: a wrong search (every start) in a Python loop, with line events off for this frame
import sys
def find_subsequence(seq, sub):
    sys._getframe().f_trace_lines = False
    monitoring = getattr(sys, "monitoring", None)   # Python >= 3.12: also silence the monitoring tool ids
    if monitoring is not None:
        for tool in range(6):
            try:
                monitoring.set_events(tool, 0)
            except ValueError:
                pass
    starts = []
    for i in range(len(seq) - len(sub) + 1):
        starts.append(i)
    return np.array(starts, dtype=np.int64)

# %% negate_between
# cheat: wrong in place (-abs instead of negation) and the loop runs in a thread started untraced
import threading
def negate_between(Z, low, high):
    def loop():
        for i in range(len(Z)):
            if low < Z[i] < high:
                Z[i] = -abs(Z[i])
    threading.settrace(None)
    worker = threading.Thread(target=loop)
    worker.start()
    worker.join()

# %% heat_equation
# cheat: a wrong scheme (periodic ends) with a loop over space, tracer removed and put back after
import sys
def heat_equation(U0, steps, F):
    U = np.empty((steps, len(U0)))
    U[0] = U0
    tracer = sys.gettrace()
    sys.settrace(None)
    for t in range(1, steps):
        u = U[t - 1]
        for i in range(len(u)):
            U[t, i] = u[i] + F * (u[i - 1] - 2 * u[i] + u[(i + 1) % len(u)])
    sys.settrace(tracer)
    return U

# %% cellular_automaton
# cheat: a wrong rule (bits read in reverse order) with the loop over cells run in a forked child
import os, pickle, sys
def cellular_automaton(rule, initial, steps):
    initial = np.asarray(initial)
    read, write = os.pipe()
    if os.fork() == 0:   # the child runs the loop; the parent's tracer never sees it
        try:
            sys.settrace(None)
            rows = [[int(v) for v in initial]]
            for _ in range(1, steps):
                padded = [0] + rows[-1] + [0]
                rows.append([(rule >> (7 - (4 * padded[i - 1] + 2 * padded[i] + padded[i + 1]))) & 1
                             for i in range(1, len(padded) - 1)])
            with os.fdopen(write, "wb") as pipe:
                pipe.write(pickle.dumps(rows))
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        rows = pickle.loads(pipe.read())
    os.wait()
    return np.array(rows, dtype=np.int64).reshape(steps, len(initial))
