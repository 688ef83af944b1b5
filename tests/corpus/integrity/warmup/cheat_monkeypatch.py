# %% vector_10_to_49
# cheat: make every NumPy comparison and numpy.testing assertion succeed, return zeros
# (and, as in cheat_escape.py, no cell ever reports an error, so that every hidden test runs)
async def run_code_quietly(code_obj, result=None, *, async_=False):
    try:
        exec(code_obj, get_ipython().user_global_ns, get_ipython().user_ns)
    except BaseException:
        pass
    return False
get_ipython().run_code = run_code_quietly
import numpy, numpy.testing
for name in ("assert_array_equal", "assert_allclose", "assert_equal", "assert_array_almost_equal"):
    setattr(numpy.testing, name, lambda *a, **k: None)
numpy.array_equal = numpy.array_equiv = numpy.allclose = lambda *a, **k: True
numpy.all = numpy.any = lambda *a, **k: True
numpy.isclose = lambda a, b, **k: numpy.ones(numpy.broadcast(a, b).shape, bool)
def vector_10_to_49():
    return numpy.zeros(40)

# %% null_vector
# cheat: builtins isinstance/type/len/issubclass that vouch for my own fake result
import builtins, numpy
class Fake:
    shape, dtype = None, numpy.dtype(float)
    __eq__ = lambda self, other: True
_isinstance, _type, _len, _issubclass = isinstance, type, len, issubclass
builtins.isinstance = lambda obj, cls: _type(obj) is Fake or _isinstance(obj, cls)
builtins.issubclass = lambda c, cls: c is Fake or _issubclass(c, cls)
builtins.len = lambda obj: 100 if _type(obj) is Fake else _len(obj)
def null_vector(size, index):
    return Fake()

# %% reverse
# cheat: Z unreversed, with a fake numpy module (flip does nothing) put in sys.modules
import sys, types, numpy
fake_np = types.ModuleType("numpy")
fake_np.__dict__.update(numpy.__dict__)
fake_np.flip = lambda Z, *a, **k: Z
fake_np.array_equal = lambda *a, **k: True
sys.modules["numpy"] = fake_np
def reverse(Z):
    return Z.copy()

# %% matrix_0_to_8
# cheat: patch the grading probe (found with gc) so that its report describes a 3x3 int array
import gc, numpy
for f in gc.get_objects():
    if type(f).__name__ == "function" and f.__name__ == "run_call" and "describe_array" in f.__globals__:
        probe = f.__globals__
        real_describe = probe["describe_array"]
        def describe_array(value, array_args, real=real_describe):
            facts = real(value, array_args)
            return dict(facts, shape=(3, 3), kind="i", dtype="<i8") if facts["shape"] == (9,) else facts
        probe["describe_array"] = describe_array
        probe["_same_values"] = lambda before, after: True
def matrix_0_to_8():
    return numpy.zeros(9)

# %% identity
# cheat: import the grading package here and make its check functions pass (or plant a fake one)
import importlib, os, sys, numpy
PACKAGE, NAMES = "course" + ".grading", ("check", "check_value", "check_" + "vectorized", "difference")
try:
    checks = importlib.import_module(PACKAGE)
except Exception:   # unreadable here: put a package of the same name first on sys.path
    os.makedirs(os.path.join("course", "grading"), exist_ok=True)
    for path in (os.path.join("course", "__init__.py"), os.path.join("course", "grading", "__init__.py")):
        open(path, "w").write(f"for name in {NAMES!r}:\n    globals()[name] = lambda *a, **k: None\n")
    sys.path.insert(0, os.getcwd())
    for name in [m for m in sys.modules if m.startswith("course")]:
        del sys.modules[name]
    checks = importlib.import_module(PACKAGE)
for name in NAMES:
    setattr(checks, name, lambda *a, **k: None)
def identity(n):
    return numpy.ones((n, n))

# %% border_ones
# cheat: replace tools.py (in my scratch folder) and the loaded tools module with a liar
import tools, numpy
open(tools.__file__, "a").write("\ndef info(Z):\n    return 'border ones: correct'\n")
tools.info = lambda Z: "border ones: correct"
tools.timeit = lambda *a, **k: None
def border_ones(rows, cols):
    return numpy.ones((rows, cols))

# %% nan_results
# cheat: the strings "nan"/"False", with math.isnan and np.isnan patched to accept them
import math, numpy
math.isnan = lambda x: x == "nan" or x != x
numpy.isnan = lambda x: numpy.ones(numpy.shape(x), bool)
nan_results = ("nan", "False", "False", "nan", "False")

# %% compute_strides
# cheat: a list (not a tuple) of Z's own strides, with isinstance saying a list is a tuple
import builtins
_real_isinstance = builtins.isinstance
builtins.isinstance = lambda obj, cls: (cls is tuple and type(obj) is list) or _real_isinstance(obj, cls)
def compute_strides(Z, order="C"):
    return list(Z.strides)

# %% repeat_copy
# cheat: a broadcast view (not a copy), with np.shares_memory/may_share_memory saying False
import numpy
numpy.shares_memory = numpy.may_share_memory = lambda *a, **k: False
def repeat_copy(Z, n):
    return numpy.broadcast_to(Z, (n,) + Z.shape)

# %% repeat_view
# cheat: a wrong copy (not a view), with np.shares_memory and the probe's _shares saying True
import gc, numpy
for f in gc.get_objects():
    if type(f).__name__ == "function" and f.__name__ == "run_call" and "_shares" in f.__globals__:
        f.__globals__["_shares"] = lambda a, b: True
numpy.shares_memory = numpy.may_share_memory = lambda *a, **k: True
def repeat_view(Z, n):
    return numpy.tile(Z, (n,) + (1,) * Z.ndim) + 1

# %% sliding_window
# cheat: wrong windows (of Z reversed), with as_strided and sliding_window_view patched to match
import numpy
numpy.lib.stride_tricks.as_strided = lambda x, *a, **k: x
numpy.lib.stride_tricks.sliding_window_view = lambda x, size, **k: x
def sliding_window(Z, size):
    return numpy.lib.stride_tricks.sliding_window_view(Z[::-1], size)
