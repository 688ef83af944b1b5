"""Class-scale autograding: many submissions at once, on one machine or a Dask cluster.

``nbgrader autograde`` grades one student after another and writes the one
SQLite gradebook as it goes. Here each submission is a *job* that runs the
real ``nbgrader autograde`` with this folder's config, for that one student,
in a private scratch course folder (its own copy of the gradebook, holding the
assignments and no students). The *coordinator*, the only process that writes
the course's gradebook, copies each job's grades into it in one transaction,
puts its graded notebook in ``autograded/`` and its findings in the batch
report. The student's code still runs in the sandboxed worker process that
``IsolatedExecute`` starts inside the job, with every limit of the config.

- :mod:`.tasks`: what a job needs (the assignment's files and gradebook, the
  submission's files read through the file gate) and what it returns;
- :mod:`.job`: one job, run in a worker process's main thread (signals and
  deadlines work there);
- :mod:`.server`: on a Dask worker, warm grading processes that run job after
  job in their main thread;
- :mod:`.merge`: the coordinator's writes: gradebook, ``autograded/``,
  batch report, and the record of what was graded (to skip it next time);
- :mod:`.progress`: a progress bar on a terminal, log lines elsewhere;
- :mod:`.coordinator`: which submissions to grade, where, and in what order
  their results are saved.
"""
