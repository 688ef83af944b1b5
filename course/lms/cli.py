"""The two commands of course.lms, added to ``python -m course.build``'s list."""
from pathlib import Path

from ..grading.quoting import printable
from . import LMS

COMMANDS = ("collect", "lms-export")


def add_commands(commands, root):
    collect = commands.add_parser("collect", help="collect an LMS's submission archive into submitted/",
                                  description="Collect ARCHIVE (Canvas's 'Download Submissions' or Moodle's"
                                              " 'Download all submissions') for SECTION into submitted/ with"
                                              " nbgrader's zip_collect; see docs/lms.md. Exit status 1 when a"
                                              " file was not collected (the report says which and why).")
    collect.add_argument("section", metavar="SECTION")
    collect.add_argument("archive", type=Path, metavar="ARCHIVE")
    export = commands.add_parser("lms-export", help="the grades as the LMS's gradebook import file",
                                 description="Write the scores after late penalties as Canvas's gradebook"
                                             " import CSV or Moodle's grading worksheet; see docs/lms.md.")
    export.add_argument("sections", nargs="*", metavar="SECTION")
    export.add_argument("--column", action="append", default=[], metavar="SECTION=HEADER",
                        help="Canvas: the assignment's column header as Canvas exports it, e.g."
                             " 'warmup=Warm-up (1234)'")
    export.add_argument("--out", metavar="FILE", help="where to write (Moodle: may hold {section})")
    collect.add_argument("--moodle-worksheet", type=Path, metavar="CSV",
                         help="Moodle's grading worksheet: its 'Last modified (submission)' times become"
                              " timestamp.txt")
    collect.add_argument("--timezone", default="UTC", help="the time zone of the worksheet's times")
    for command in (collect, export):
        command.add_argument("--lms", choices=LMS, required=True)
        command.add_argument("--roster", type=Path, required=True, metavar="CSV",
                             help="nbgrader id, names, e-mail and LMS id of each student (docs/lms.md)")
        command.add_argument("--root", type=Path, default=root, metavar="FOLDER",
                             help="the course folder (default: this repository)")


def main(args):
    from .roster import RosterError

    try:
        if args.command == "collect":
            from .collect import collect, moodle_times

            times = moodle_times(args.moodle_worksheet, args.timezone) if args.moodle_worksheet else None
            outcome = collect(args.root, args.section, args.archive, args.lms, args.roster, times)
            print(outcome.text(), end="")
            print(f"  (saved in downloaded/{args.section}/collect-report.txt)")
            return 0 if outcome.complete else 1
        from .export import export

        columns = dict(c.split("=", 1) for c in args.column)
        for path, lines in export(args.root, args.lms, args.roster, args.sections, args.out, columns):
            print(f"  {args.lms} import file: {path}")
            for line in lines:
                print(f"    {printable(line)}")
        return 0
    except RosterError as error:
        raise SystemExit(str(error)) from None
