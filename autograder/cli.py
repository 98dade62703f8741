"""Command line for TAs and instructors: ``python -m autograder`` (or ``autograder``).

    autograder release                   regenerate assignments/ and the student bundle
    autograder collect FOLDER|ZIP A      bring submissions into submitted/<student>/A/
    autograder grade A [--jobs N]        autograde every submission of A in parallel
    autograder report A | --all          grades CSV, course summary, feedback HTML
    autograder demo                      all of the above on a generated demo class

Run it from the course root (the folder holding nbgrader_config.py).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from autograder.workflow.course import Course


def _release(args: argparse.Namespace) -> int:
    from autograder.workflow import release

    course = Course.load(args.root)
    release.generate(course, args.assignment or None)
    path = release.bundle(course, Path(args.out) / "student-bundle.zip")
    print(f"released {', '.join(args.assignment or course.assignments())}; bundle: {path}")
    return 0


def _collect(args: argparse.Namespace) -> int:
    from autograder.workflow import collect

    course = Course.load(args.root)
    for student, message in collect.collect(course, Path(args.source), args.assignment,
                                            pattern=args.pattern):
        print(f"{student}: {message}")
    return 0


def _grade(args: argparse.Namespace) -> int:
    from autograder.workflow import grade

    course = Course.load(args.root, HiddenTestsExecute={"timeout": args.cell_timeout})
    outcomes = grade.grade(course, args.assignment, jobs=args.jobs,
                           submission_timeout=args.submission_timeout)
    grade.save_outcomes(outcomes, Path(args.out) / "grading" / f"{args.assignment}.json")
    for outcome in outcomes:
        note = f"  {outcome.message}" if outcome.message else ""
        print(f"{outcome.student:<20} {outcome.status:<8} {outcome.seconds:6.1f} s{note}")
    errors = sum(o.status == "error" for o in outcomes)
    print(f"{len(outcomes)} submissions: {len(outcomes) - errors} graded, {errors} with errors")
    return 0


def _report(args: argparse.Namespace) -> int:
    from autograder.workflow import report

    course = Course.load(args.root)
    assignments = course.assignments() if args.all else [args.assignment]
    rows = report.report(course, assignments, Path(args.out), feedback=not args.no_feedback)
    print(report.format_table(rows))
    print(f"reports written to {Path(args.out).resolve()}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from autograder.workflow import demo, report

    out = Path(args.out)
    rows = demo.run(Path(args.root).resolve(), out, jobs=args.jobs)
    print(report.format_table(rows))
    print(f"\ngrades CSV, course summary, feedback HTML and the student bundle: {out.resolve()}")
    return 0


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="autograder", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    main.add_argument("--root", default=".", help="course root (default: .)")
    commands = main.add_subparsers(dest="command", required=True)

    p = commands.add_parser("release", help="regenerate assignments/ and the student bundle")
    p.add_argument("assignment", nargs="*")
    p.add_argument("--out", default="out")
    p.set_defaults(run=_release)

    p = commands.add_parser("collect", help="bring submissions into submitted/")
    p.add_argument("source", help="an LMS zip download or a folder of notebooks")
    p.add_argument("assignment")
    p.add_argument("--pattern", default=None,
                   help="regular expression with named groups 'student' (and optionally "
                        "'timestamp') matched against each file name")
    p.set_defaults(run=_collect)

    p = commands.add_parser("grade", help="autograde every submission in parallel")
    p.add_argument("assignment")
    p.add_argument("--jobs", type=int, default=None, help="parallel submissions (default: cores)")
    p.add_argument("--cell-timeout", type=int, default=60, help="seconds per cell")
    p.add_argument("--submission-timeout", type=float, default=900,
                   help="seconds per submission")
    p.add_argument("--out", default="out")
    p.set_defaults(run=_grade)

    p = commands.add_parser("report", help="grades CSV, course summary and feedback HTML")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("assignment", nargs="?")
    group.add_argument("--all", action="store_true")
    p.add_argument("--no-feedback", action="store_true")
    p.add_argument("--out", default="out")
    p.set_defaults(run=_report)

    p = commands.add_parser("demo", help="the whole workflow on a generated demo class")
    p.add_argument("--out", default="out/demo")
    p.add_argument("--jobs", type=int, default=None)
    p.set_defaults(run=_demo)
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    # nbgrader 0.9's gradebook triggers SQLAlchemy 2 autoflush warnings that mean nothing
    # to a TA; everything else still shows.
    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", category=SAWarning)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
