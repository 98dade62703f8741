"""Command line for TAs and instructors: ``python -m autograder`` (or ``autograder``).

    autograder release                   regenerate assignments/ and the student bundle
    autograder collect ZIP|FOLDER A      bring an LMS download into submitted/<student>/A/
    autograder grade A [--jobs N]        autograde every submission of A in parallel
    autograder grade A --scheduler ADDR  ... on a Dask cluster (docs/cluster.md)
    autograder report A | --all          grades CSV, course summary, feedback HTML,
                                         class report (out/class-report/index.html)
    autograder export canvas|moodle      final scores in the LMS's grade import CSV
    autograder demo                      all of the above on a generated demo class

Run it from the course root (the folder holding nbgrader_config.py).
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import sys
import warnings
from pathlib import Path

from autograder import _fast_start  # noqa: F401 (before any Jupyter package)
from autograder.workflow import collect
from autograder.workflow.course import Course, printable


def _out(args: argparse.Namespace, course: Course, default: str = "out") -> Path:
    return Path(args.out).resolve() if args.out else course.root / default


def _release(args: argparse.Namespace) -> int:
    from autograder.workflow import release

    course = Course.load(args.root)
    release.generate(course, args.assignment or None)
    path = release.bundle(course, _out(args, course) / "student-bundle.zip")
    print(f"released {', '.join(args.assignment or course.assignments())}; bundle: {path}")
    return 0


def _collect(args: argparse.Namespace) -> int:
    course = Course.load(args.root)
    times = collect.TimeSource(csv=args.submissions_csv, zip_zone=args.zip_times,
                               submitted_at=args.submitted_at, on_time=args.on_time)
    results = collect.collect(course, Path(args.source), args.assignment, layout=args.layout,
                              roster=args.roster, times=times, replace=args.replace)
    print(collect.format_table(results))
    return 1 if any(r.status == "error" for r in results) else 0


def _grade(args: argparse.Namespace) -> int:
    from autograder.workflow import grade

    if args.scheduler and args.jobs:
        raise ValueError("--jobs sets this machine's parallel graders; with --scheduler the "
                         "cluster's workers grade: leave --jobs out")
    if args.scheduler and importlib.util.find_spec("distributed") is None:
        raise ValueError("--scheduler needs Dask's distributed, which is not installed: "
                         "pip install '.[cluster]' (docs/cluster.md)")
    course = Course.load(args.root, HiddenTestsExecute={"timeout": args.cell_timeout})
    outcomes = grade.grade(course, args.assignment, jobs=args.jobs,
                           submission_timeout=args.submission_timeout, scheduler=args.scheduler)
    grade.save_outcomes(outcomes, course.outcomes_path(args.assignment))
    for outcome in outcomes:
        note = f"  {printable(outcome.message, 200)}" if outcome.message else ""
        print(f"{printable(outcome.student, 20):<20} {outcome.status:<8} "
              f"{outcome.seconds:6.1f} s{note}")
    errors = sum(o.status == "error" for o in outcomes)
    print(f"{len(outcomes)} submissions: {len(outcomes) - errors} graded, {errors} with errors")
    return 0


def _report(args: argparse.Namespace) -> int:
    from autograder.workflow import report

    course = Course.load(args.root)
    assignments = course.assignments() if args.all else [args.assignment]
    out = _out(args, course)
    rows = report.report(course, assignments, out, feedback=not args.no_feedback)
    print(report.format_table(rows))
    print(f"reports written to {out}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from autograder.workflow import lms

    course = Course.load(args.root)
    canvas_ids = dict(_assignment_id(text) for text in args.canvas_assignment)
    result = lms.export_course(course, args.lms, _out(args, course), args.roster, canvas_ids)
    print(lms.format_errors(result))
    return 1 if result.errors else 0


def _assignment_id(text: str) -> tuple[str, str]:
    assignment, sep, number = text.partition("=")
    if not sep:
        raise ValueError(f"--canvas-assignment {text!r}: write ASSIGNMENT=ID")
    return assignment, number


def _demo(args: argparse.Namespace) -> int:
    from autograder.workflow import demo, lms, report

    root = Path(args.root).resolve()
    out = Path(args.out).resolve() if args.out else root / "out" / "demo"
    rows, exports = demo.run(root, out, jobs=args.jobs)
    print(report.format_table(rows))
    for export in exports:
        print(lms.format_errors(export))
    print(f"\ngrades CSV, course summary, feedback HTML, the class report "
          f"(class-report/index.html), Canvas and Moodle grades and the student bundle: {out}")
    return 0


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="autograder", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    main.add_argument("--root", default=".", help="course root (default: .)")
    commands = main.add_subparsers(dest="command", required=True)
    out_help = "output folder (default: out/ in the course root)"

    p = commands.add_parser("release", help="regenerate assignments/ and the student bundle")
    p.add_argument("assignment", nargs="*")
    p.add_argument("--out", help=out_help)
    p.set_defaults(run=_release)

    p = commands.add_parser("collect", help="bring an LMS download into submitted/",
                            description=collect.__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("source", help="the LMS's zip download, or a folder")
    p.add_argument("assignment")
    p.add_argument("--layout", default="auto", choices=("auto", "canvas", "moodle", "folders"))
    p.add_argument("--roster", type=Path, help="students.csv (nbgrader's format: id, ..., "
                                               "lms_user_id); default: nbgrader's student table")
    p.add_argument("--replace", action="store_true",
                   help="replace a student's earlier, different submission (kept in "
                        "submitted/.replaced/)")
    times = p.add_argument_group("submission times (one of these; file times are never used)")
    times.add_argument("--submissions-csv", type=Path,
                       help="CSV with submitted_at and id or lms_user_id per submission")
    times.add_argument("--zip-times", metavar="ZONE",
                       help="the zip's entry times are the LMS's submission times, in ZONE "
                            "(e.g. UTC, +08:00, Asia/Shanghai)")
    times.add_argument("--submitted-at", metavar="TIME",
                       help="one time for every submission, e.g. '2026-10-09 23:30 +08:00'")
    times.add_argument("--on-time", action="store_true",
                       help="every submission counts as handed in at the due date")
    p.set_defaults(run=_collect)

    p = commands.add_parser("grade", help="autograde every submission in parallel")
    p.add_argument("assignment")
    p.add_argument("--jobs", type=int, default=None, help="parallel submissions (default: cores)")
    p.add_argument("--cell-timeout", type=int, default=60, help="seconds per cell")
    p.add_argument("--submission-timeout", type=float, default=900,
                   help="seconds per submission")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="grade on the Dask cluster of this scheduler (tcp://HOST:PORT) instead "
                        "of this machine; see docs/cluster.md")
    p.set_defaults(run=_grade)

    p = commands.add_parser("report", help="grades CSV, course summary and feedback HTML")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("assignment", nargs="?")
    group.add_argument("--all", action="store_true")
    p.add_argument("--no-feedback", action="store_true")
    p.add_argument("--out", help=out_help)
    p.set_defaults(run=_report)

    p = commands.add_parser("export", help="final scores in Canvas's or Moodle's grade import "
                                           "CSV", description=_lms_doc(),
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("lms", choices=("canvas", "moodle"))
    p.add_argument("--roster", type=Path, help="students.csv with lms_user_id (nbgrader's "
                                               "format); default: nbgrader's student table")
    p.add_argument("--canvas-assignment", action="append", default=[], metavar="A=ID",
                   help="the Canvas id of assignment A (repeat per assignment); without it "
                        "Canvas creates the assignment on import")
    p.add_argument("--out", help=out_help)
    p.set_defaults(run=_export)

    p = commands.add_parser("demo", help="the whole workflow on a generated demo class")
    p.add_argument("--out", help="output folder (default: out/demo in the course root)")
    p.add_argument("--jobs", type=int, default=None)
    p.set_defaults(run=_demo)
    return main


def _lms_doc() -> str:
    """The export formats' documentation, read without importing the module (which imports
    the analytics and matplotlib: 0.3 s of every command's start)."""
    spec = importlib.util.find_spec("autograder.workflow.lms")
    assert spec is not None and spec.origin is not None
    return ast.get_docstring(ast.parse(Path(spec.origin).read_text())) or ""


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    # nbgrader 0.9's gradebook triggers SQLAlchemy 2 autoflush warnings that mean nothing
    # to a TA; everything else still shows.
    from sqlalchemy.exc import SAWarning

    from autograder.workflow.control import ControlFailed

    warnings.filterwarnings("ignore", category=SAWarning)
    try:
        return args.run(args)
    except (ValueError, ControlFailed) as exc:
        # A wrong command or a misconfigured course: nothing was graded or written.
        for line in str(exc).splitlines():
            print(f"error: {printable(line, 2000)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
