"""Progress of a batch: a bar with counts and an ETA on a terminal, one log line per
submission otherwise (a CI log or a file keeps every line, a bar would be noise)."""
import sys

from tqdm import tqdm


class _Bar(tqdm):
    # tqdm's monitor thread wakes every 10 s for the whole life of the process to tune
    # the refresh rate of bars that print rarely; a bar updated once per submission
    # does not need it, and a process that grades must not keep a thread of ours.
    monitor_interval = 0


class Progress:
    def __init__(self, total, stream=None, bar=None):
        self.stream = stream or sys.stderr
        self.total, self.done = total, 0
        self.bar = bar if bar is not None else self.stream.isatty()
        self._tqdm = _Bar(total=total, unit="submission", file=self.stream, dynamic_ncols=True) \
            if self.bar else None

    def update(self, section, student, outcome, seconds):
        """One submission is finished: ``outcome`` is a few words ("graded", "not graded", ...)."""
        self.done += 1
        if self._tqdm is not None:
            self._tqdm.set_postfix_str(f"{section}/{student}: {outcome}", refresh=False)
            self._tqdm.update(1)
        else:
            width = len(str(self.total))
            print(f"[{self.done:>{width}}/{self.total}] {section} {student}: {outcome} ({seconds:.1f} s)",
                  file=self.stream, flush=True)

    def write(self, text):
        """A message that must not be overwritten by the bar."""
        if self._tqdm is not None:
            self._tqdm.write(text, file=self.stream)
        else:
            print(text, file=self.stream, flush=True)

    def close(self):
        if self._tqdm is not None:
            self._tqdm.close()
