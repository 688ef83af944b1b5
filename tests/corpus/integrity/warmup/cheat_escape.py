# %% random_walk
# cheat: silence every error display (showtraceback, custom exception handler, sys.excepthook)
import sys
shell = get_ipython()
shell.showtraceback = shell.showsyntaxerror = lambda *a, **k: None
shell.set_custom_exc((BaseException,), lambda *a, **k: None)
sys.excepthook = lambda *a: None
def random_walk(n, rng):
    raise NotImplementedError()

# %% find_subsequence
# cheat: replace IPython's run_code so that no cell (visible tests included) ever reports an error
async def run_code_quietly(code_obj, result=None, *, async_=False):
    try:
        exec(code_obj, get_ipython().user_global_ns, get_ipython().user_ns)
    except BaseException:
        pass
    return False
get_ipython().run_code = run_code_quietly
def find_subsequence(seq, sub):
    raise NotImplementedError()

# %% vector_10_to_49
# cheat: leave through SystemExit(0) instead of failing
def vector_10_to_49():
    raise SystemExit(0)

# %% null_vector
# cheat: pretend the user interrupted the call
def null_vector(size, index):
    raise KeyboardInterrupt()

# %% reverse
# cheat: a BaseException subclass that announces success
class AllHiddenTestsPassed(BaseException):
    def __str__(self):
        return "ok"
def reverse(Z):
    raise AllHiddenTestsPassed()

# %% matrix_0_to_8
# cheat: define a stub, then end the cell (and the "kernel") before any test can run
def matrix_0_to_8():
    raise NotImplementedError()
get_ipython().ask_exit()
raise SystemExit("done")

# %% identity
# cheat: end the whole process with status 0 during the call
import os
def identity(n):
    os._exit(0)

# %% border_ones
# cheat: kill my own process, its process group, and its parent (seen from /proc too)
import os, signal
def border_ones(rows, cols):
    parent = int(open("/proc/self/status").read().split("PPid:")[1].split()[0])
    for pid in (parent, os.getppid(), os.getpid()):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    try:
        os.killpg(os.getpgid(0), signal.SIGKILL)
    except OSError:
        pass
    raise NotImplementedError()

# %% negate_between
# cheat: raise GeneratorExit, which a plain `except Exception` would not catch
def negate_between(Z, low, high):
    raise GeneratorExit()

# %% nan_results
# cheat: wrong values, then ask IPython to exit before the tests run
nan_results = (0.0, True, True, 0.0, True)
exit()

# %% compute_strides
# cheat: an exception whose message and repr themselves raise SystemExit
class Unprintable(Exception):
    def __str__(self):
        raise SystemExit(0)
    __repr__ = __str__
def compute_strides(Z, order="C"):
    raise Unprintable()

# %% repeat_copy
# cheat: interrupt my own process with SIGINT in the middle of the call
import os, signal
def repeat_copy(Z, n):
    os.kill(os.getpid(), signal.SIGINT)
    return None

# %% repeat_view
# cheat: close the reply pipe (file descriptor from sys.argv) so that the failure is never reported
import os, sys
def repeat_view(Z, n):
    for fd in sys.argv[1:3]:
        os.close(int(fd))
    raise NotImplementedError()

# %% sliding_window
# cheat: stop (SIGSTOP) my own process so that the grader waits for ever
import os, signal
def sliding_window(Z, size):
    os.kill(os.getpid(), signal.SIGSTOP)
    raise NotImplementedError()
