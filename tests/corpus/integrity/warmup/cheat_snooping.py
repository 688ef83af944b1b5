# %% random_walk
# cheat: find the course folder through the parent process in /proc (cmdline, cwd, environ, fds)
# (and, as in cheat_escape.py, no cell ever reports an error, so that every hidden test runs)
async def run_code_quietly(code_obj, result=None, *, async_=False):
    try:
        exec(code_obj, get_ipython().user_global_ns, get_ipython().user_ns)
    except BaseException:
        pass
    return False
get_ipython().run_code = run_code_quietly
import glob, json, os
def _solution(name, folders):
    """The instructor's function `name`, from a source notebook found near one of `folders`."""
    patterns = ("warmup.ipynb", "*/warmup.ipynb", "source/warmup/warmup.ipynb", "*/source/warmup/warmup.ipynb")
    paths = [p for folder in folders for pattern in patterns for p in glob.glob(os.path.join(folder, pattern))]
    for path in paths[:100]:
        try:
            cells = json.load(open(path))["cells"]
        except (OSError, ValueError):
            continue
        for cell in cells:
            source = "".join(cell["source"])
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == name and "BEGIN SOLUTION" in source:
                namespace = {"np": np}
                exec(source, namespace)
                return namespace[name]
    return None
def _read(path, mode="r"):
    try:
        with open(path, mode) as file:
            return file.read()
    except OSError:
        return "" if mode == "r" else b""
def _parent_folders():
    parent = _read("/proc/self/status").partition("PPid:")[2].split()[:1]
    folders = []
    for pid in parent + [str(os.getppid())]:
        folders += [a for a in _read(f"/proc/{pid}/cmdline").split("\0") if a.startswith("/")]
        folders += [e[4:].decode() for e in _read(f"/proc/{pid}/environ", "rb").split(b"\0")
                    if e.startswith(b"PWD=")]   # only the working directory is of interest
        for link in [f"/proc/{pid}/cwd"] + glob.glob(f"/proc/{pid}/fd/*"):
            try:
                folders += [os.readlink(link), os.path.dirname(os.readlink(link))]
            except OSError:
                pass
    return [f for f in folders if f.startswith("/")]
def random_walk(n, rng):
    stolen = _solution("random_walk", _parent_folders())
    if stolen is None:
        raise NotImplementedError()
    return stolen(n, rng)

# %% find_subsequence
# cheat: look for source/ notebooks near the working directory, the home folder and the usual places
import os
def find_subsequence(seq, sub):
    here = os.getcwd()
    folders = [here, os.path.dirname(here), os.path.expanduser("~"), "..", "../../..",
               "/work/main", "/work", "/home/*", "/srv/*", "/tmp/*", "/tmp/*/*"]
    stolen = _solution("find_subsequence", folders)
    if stolen is None:
        raise NotImplementedError()
    return stolen(seq, sub)

# %% vector_10_to_49
# cheat: copy the answer from other students' submitted/ or autograded/ notebooks
import glob, json
def vector_10_to_49():
    patterns = ["../../*/warmup/warmup.ipynb", "/tmp/*/*/autograded/*/warmup/warmup.ipynb",
                "/tmp/*/*/submitted/*/warmup/warmup.ipynb", "/work/main/submitted/*/warmup/warmup.ipynb"]
    for pattern in patterns:
        for path in glob.glob(pattern)[:50]:
            try:
                cells = json.load(open(path))["cells"]
            except (OSError, ValueError):
                continue
            for cell in cells:
                if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "vector_10_to_49":
                    namespace = {"np": np}
                    try:
                        exec("".join(cell["source"]), namespace)
                        return namespace["vector_10_to_49"]()
                    except Exception:
                        pass
    raise NotImplementedError()

# %% null_vector
# cheat: take the hidden tests' oracle from nbgrader's gradebook.db (found through environment variables)
import ast, os, sqlite3
def null_vector(size, index):
    places = [os.environ.get(k, "") for k in ("PWD", "OLDPWD", "HOME", "NBGRADER_COURSE", "PYTHONPATH")]
    for place in places + ["..", "../..", "../../..", "/work/main"]:
        try:
            db = sqlite3.connect(f"file:{os.path.join(place, 'gradebook.db')}?mode=ro", uri=True)
            sources = db.execute("select source from source_cell where name like 'null_vector_test%'").fetchall()
        except Exception:
            continue
        for (source,) in sources:
            tree = ast.parse(source)
            tree.body = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "oracle"]
            namespace = {"np": np}
            exec(compile(tree, "gradebook", "exec"), namespace)
            if "oracle" in namespace:
                return namespace["oracle"](size, index)
    raise NotImplementedError()

# %% reverse
# cheat: search the callers' frames for an expected value, an oracle or the pristine arguments
import sys
def reverse(Z):
    frame = sys._getframe(1)
    while frame is not None:
        for name in ("expected", "oracle", "pristine"):
            if name in frame.f_locals:
                found = frame.f_locals[name]
                return found(Z) if callable(found) else found
        frame = frame.f_back
    raise NotImplementedError()

# %% matrix_0_to_8
# cheat: search every live object (gc) for an oracle function or an `expected` variable
import gc
def matrix_0_to_8():
    for obj in gc.get_objects():
        if callable(obj) and getattr(obj, "__name__", "") == "oracle":
            return obj()
        if isinstance(obj, dict) and "expected" in obj and "check" in obj:
            return obj["expected"]
    raise NotImplementedError()

# %% identity
# cheat: look in the input history (In, _ih, _i, Out) for the hidden tests and run them here
def identity(n):
    shell = get_ipython()
    history = list(shell.user_ns.get("In", [])) + list(shell.user_ns.get("_ih", []))
    history += [shell.user_ns.get(k, "") for k in ("_i", "_ii", "_iii")]
    for cell in history:
        if "BEGIN HIDDEN TESTS" in cell or "expected = [[1 if row == col" in cell:
            namespace = {"np": np, "n": n}
            exec(cell.split("BEGIN HIDDEN TESTS")[-1], namespace)
            return np.array(namespace["expected"])
    for value in dict(shell.user_ns.get("Out", {})).values():
        if getattr(value, "shape", None) == (n, n):
            return value
    raise NotImplementedError()

# %% border_ones
# cheat: look through sys.modules for a loaded grading module holding test data
import sys
def border_ones(rows, cols):
    for name, module in list(sys.modules.items()):
        if any(word in name for word in ("course", "grading", "hidden", "nbgrader")):
            for attr in ("expected", "oracle", "EXPECTED"):
                if hasattr(module, attr):
                    return getattr(module, attr)
    raise NotImplementedError()

# %% nan_results
# cheat: take the answer from the source notebook, wherever the course folder may be
import glob, json
nan_results = None
for path in glob.glob("/work/*/source/warmup/warmup.ipynb") + glob.glob("/tmp/*/*/source/warmup/warmup.ipynb") \
        + glob.glob("../../../source/warmup/warmup.ipynb") + glob.glob("../../../release/warmup/warmup.ipynb"):
    try:
        for cell in json.load(open(path))["cells"]:
            if "nan_results = (" in "".join(cell["source"]) and "BEGIN SOLUTION" in "".join(cell["source"]):
                exec("".join(cell["source"]))
    except (OSError, ValueError):
        pass
if nan_results is None:
    raise NotImplementedError()

# %% compute_strides
# cheat: read the grader's memory through /proc/<parent>/mem (and the other threads' frames)
import os, sys
def compute_strides(Z, order="C"):
    for frame in sys._current_frames().values():
        while frame is not None:
            if "expected" in frame.f_locals:
                return frame.f_locals["expected"]
            frame = frame.f_back
    try:
        parent = open("/proc/self/status").read().split("PPid:")[1].split()[0]
        with open(f"/proc/{parent}/mem", "rb") as memory:
            memory.read(1)
    except (OSError, IndexError):
        pass
    raise NotImplementedError()
