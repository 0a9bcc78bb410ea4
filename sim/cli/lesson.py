"""``python -m sim lesson N``: one lesson's experiment, with every number the lesson shows.

Examples::

    python -m sim lesson 3                                  # the lesson's default settings
    python -m sim lesson 3 --poll-interval-min 60 --no-idle --json
    python -m sim lesson 1 --fetch full-offline --attachments-eager
    python -m sim lesson 9 --backup-age-days 2 --yearly --trials 5
    python -m sim lesson 10 --profile traveller --tls-resumption

For instructors: what the model answers to each lesson's prediction, at any settings.

Theory of operation
-------------------
Lesson ``N`` is the function of :mod:`sim.lessons.experiments` marked ``@lesson_experiment(N)`` (listed
in :data:`LESSONS`; lesson 10, the capstone, runs the scenario of the course's lesson-10
dashboard).  The options are not written out here: they are read from each
function's signature and type hints when the command is registered, so a parameter that is added
to an experiment, renamed or given another default shows up without an edit:

* a keyword ``name_with_underscores`` is the option ``--name-with-underscores``; an option not
  given leaves the function's own default;
* ``bool``: a flag and its negation (``--idle`` / ``--no-idle``);
* ``int``, ``float``, ``str``: one value; an enum: a member in kebab-case
  (``FetchMode.FULL_OFFLINE`` is ``full-offline``); ``Literal[...]``: one of its values;
* ``X | None``: also ``none``;
* any other type: a Python literal (``ast.literal_eval``).

The command checks only the syntax of a value; its range is the experiment's, which raises
:class:`~sim.inputs.scenario.ScenarioError`: reported as one line naming the option, the value and the
allowed range (``--poll-interval-min=0.5: allowed number 1 <= x <= 240``), exit status 2.
Lesson 9 can also run :func:`sim.lessons.experiments.lesson9_yearly_loss` (``--yearly``, see
:data:`EXTRAS`): its ``seed`` and ``backup_age_days`` are lesson 9's own, as in the lesson's
dashboard; its other parameters get their own options (``--trials``; ``--yearly-NAME`` where the
name is taken by lesson 9), and a ``progress`` callback is no option (the command reports progress
on stderr when a run takes more than a second).

Output: every field of the lesson's record (:func:`record_values`), with each
:class:`~sim.outputs.results.Result` replaced by a compact summary of that run (:func:`result_summary`);
as readable ``key  value`` lines, or with ``--json`` as one object ``{"lesson": N, "parameters":
{...}, "values": {...}}``.  The keys are documented in ``docs/results.md``.
"""

from __future__ import annotations

import argparse
import ast
import collections.abc
import dataclasses
import enum
import inspect
import json
import math
import sys
import time
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ..inputs.scenario import ScenarioError
from ..lessons.experiments import EXPERIMENTS
from ..outputs.results import Result, to_jsonable
from .main import EXIT_USAGE, PROG, OneLineParser, UsageError

#: Lesson number -> the name of its experiment (:data:`sim.lessons.experiments.EXPERIMENTS`), in order.
LESSONS: dict[int, str] = {n: EXPERIMENTS[n].__name__ for n in sorted(EXPERIMENTS)}


@dataclass(frozen=True)
class Extra:
    """A second experiment a lesson can run on request (``--FLAG``): its parameters named in
    ``shared`` take the lesson's own options; the others get options of their own (prefixed
    with ``FLAG-`` where the lesson already uses the name)."""

    flag: str
    function: str
    shared: tuple[str, ...]
    help: str


EXTRAS: dict[int, Extra] = {
    9: Extra(
        "yearly",
        "lesson9_yearly_loss",
        ("seed", "backup_age_days"),
        "also run the yearly Monte Carlo (lesson9_yearly_loss: whole simulated years of "
        "crashes and deletes by mistake, three set-ups per trial; slow: seconds per trial)",
    ),
}

_RESERVED = ("help", "json")


class _LessonParser(OneLineParser):
    """A lesson's parser: an unknown option is its own error (``python -m sim lesson 3: error:
    unrecognized arguments: --foo``), not the top-level parser's."""

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        ns, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error("unrecognized arguments: " + " ".join(extras))
        return ns, extras


# -- options from signatures -----------------------------------------------------------------------


def lesson_function(n: int) -> Callable[..., Any]:
    """The experiment function of lesson ``n``."""
    return EXPERIMENTS[n]


def _extra_function(extra: Extra) -> Callable[..., Any]:
    from ..lessons import experiments

    return getattr(experiments, extra.function)


@dataclass(frozen=True)
class Option:
    """One command-line option: the function keyword ``name`` it sets, spelt ``flag``."""

    name: str
    flag: str  # "--poll-interval-min"
    dest: str  # attribute of the parsed arguments
    default: Any  # the function's default (inspect.Parameter.empty: required)
    hint: Any  # the resolved type hint
    extra: bool = False  # a parameter of the lesson's Extra function


def _kebab(name: str) -> str:
    return name.replace("_", "-")


def _hints(fn: Callable[..., Any]) -> dict[str, Any]:
    """``fn``'s resolved type hints; one that cannot be resolved counts as ``Any``."""
    try:
        return typing.get_type_hints(fn)
    except Exception:  # e.g. a name only defined where the function was
        out: dict[str, Any] = {}
        for name, ann in getattr(fn, "__annotations__", {}).items():
            try:
                out[name] = typing.get_type_hints(
                    types.SimpleNamespace(__annotations__={name: ann}, __module__=fn.__module__),
                    globalns=getattr(fn, "__globals__", None),
                )[name]
            except Exception:
                out[name] = Any
        return out


def _function_options(
    fn: Callable[..., Any], *, extra: Extra | None = None, taken: Sequence[str] = ()
) -> list[Option]:
    hints = _hints(fn)
    out = []
    for p in inspect.signature(fn).parameters.values():
        if p.kind not in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD):
            continue
        if extra is not None and p.name in extra.shared:
            continue
        if _is_callable(hints.get(p.name, Any)):  # e.g. a progress callback: not an option
            continue
        flag = p.name if extra is None or p.name not in taken else f"{extra.flag}_{p.name}"
        if flag in _RESERVED or (extra is not None and flag == extra.flag):
            raise RuntimeError(
                f"{fn.__name__}: parameter {p.name!r} clashes with the "
                f"command's own --{_kebab(flag)}"
            )
        out.append(
            Option(
                p.name,
                "--" + _kebab(flag),
                ("x_" if extra else "p_") + flag,
                p.default,
                hints.get(p.name, Any),
                extra is not None,
            )
        )
    return out


def _is_callable(hint: Any) -> bool:
    base, _ = _unwrap(hint)
    return typing.get_origin(base) is collections.abc.Callable or base is collections.abc.Callable


def _progress_keyword(fn: Callable[..., Any]) -> bool:
    """``fn`` takes a ``progress`` callback (fraction done, 0..1)."""
    p = inspect.signature(fn).parameters.get("progress")
    return p is not None and _is_callable(_hints(fn).get("progress", Any))


def lesson_options(n: int) -> list[Option]:
    """Every option of lesson ``n``: its function's keywords, then those of its :data:`EXTRAS`."""
    opts = _function_options(lesson_function(n))
    extra = EXTRAS.get(n)
    if extra is not None:
        opts += _function_options(_extra_function(extra), extra=extra, taken=[o.name for o in opts])
    return opts


def _unwrap(hint: Any) -> tuple[Any, bool]:
    """``X | None`` -> (X, True); ``X`` -> (X, False)."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = typing.get_args(hint)
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return rest[0], len(rest) < len(args)
        return hint, type(None) in args
    return hint, False


def _enum_text(member: enum.Enum) -> str:
    return _kebab(member.name.lower())


def _choices(base: Any) -> list[str] | None:
    if isinstance(base, type) and issubclass(base, enum.Enum):
        return [_enum_text(m) for m in base]
    if typing.get_origin(base) is Literal:
        return [str(v) for v in typing.get_args(base)]
    return None


def _value_parser(opt: Option) -> Callable[[str], Any]:
    """The argparse ``type`` of ``opt``: syntax only (the experiment checks the range)."""
    base, optional = _unwrap(opt.hint)
    alt = " or none" if optional else ""

    def parse(text: str) -> Any:
        if optional and text.strip().lower() == "none":
            return None
        if base is bool:
            word = text.strip().lower()
            if word in ("true", "yes", "on", "1"):
                return True
            if word in ("false", "no", "off", "0"):
                return False
            raise argparse.ArgumentTypeError(f"{opt.flag}={text!r}: allowed true or false{alt}")
        if base is int:
            try:
                return int(text, 10)
            except ValueError:
                raise argparse.ArgumentTypeError(
                    f"{opt.flag}={text!r}: not an integer; allowed an integer{alt}"
                ) from None
        if base is float:
            try:
                return float(text)
            except ValueError:
                raise argparse.ArgumentTypeError(
                    f"{opt.flag}={text!r}: not a number; allowed a number{alt}"
                ) from None
        choices = _choices(base)
        if choices is not None:
            key = _kebab(text.strip().lower())
            if isinstance(base, type) and issubclass(base, enum.Enum):
                for m in base:
                    if _enum_text(m) == key:
                        return m
            else:
                for v in typing.get_args(base):
                    if _kebab(str(v).lower()) == key:
                        return v
            raise argparse.ArgumentTypeError(
                f"{opt.flag}={text!r}: allowed one of {', '.join(choices)}{alt}"
            )
        if base is str:
            return text
        try:
            return ast.literal_eval(text)
        except (ValueError, SyntaxError):
            raise argparse.ArgumentTypeError(
                f"{opt.flag}={text!r}: allowed a Python literal{alt}"
            ) from None

    parse.__name__ = opt.flag
    return parse


def param_text(value: Any) -> str:
    """A parameter value the way the command line spells it (``none``, ``full-offline``,
    ``30`` for 30.0)."""
    if value is None:
        return "none"
    if isinstance(value, enum.Enum):
        return _enum_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _param_json(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return _enum_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (tuple, list)):
        return [_param_json(v) for v in value]
    return value


def _help(opt: Option) -> str:
    from ..lessons.experiments import RANGES

    base, optional = _unwrap(opt.hint)
    parts = []
    choices = _choices(base)
    if choices is not None:
        parts.append("one of " + ", ".join(choices))
    elif opt.name in RANGES and base in (int, float):
        lo, hi = RANGES[opt.name]
        parts.append(f"{_number(lo)}..{_number(hi)}")
    if optional:
        parts.append("or none")
    if opt.default is not inspect.Parameter.empty:
        shown = ("on" if opt.default else "off") if base is bool else param_text(opt.default)
        parts.append(f"default {shown}")
    return "; ".join(parts)


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _metavar(opt: Option) -> str:
    base, _ = _unwrap(opt.hint)
    if base is int:
        return "INT"
    if base is float:
        return "NUMBER"
    if _choices(base) is not None:
        return "CHOICE"
    return "TEXT" if base is str else "VALUE"


def _first_paragraph(fn: Callable[..., Any]) -> str:
    doc = inspect.getdoc(fn) or ""
    return " ".join(doc.split("\n\n")[0].split())


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "lesson",
        help="a lesson's experiment at chosen settings: every number the lesson shows",
        description="Run lesson N's experiment (both protocols, same trace) and print every "
        "number the lesson shows. `python -m sim lesson N --help` lists the "
        "lesson's options, read from its experiment function.",
    )
    lessons = p.add_subparsers(
        title="lessons", dest="lesson", metavar="N", parser_class=_LessonParser, required=True
    )
    for n in LESSONS:
        fn = lesson_function(n)
        sp = lessons.add_parser(
            str(n),
            help=f"{fn.__name__}: {_first_paragraph(fn).split('. ')[0].rstrip('.')}.",
            description=f"Lesson {n}: {fn.__module__}.{fn.__name__}. {_first_paragraph(fn)}",
        )
        extra = EXTRAS.get(n)
        group = None
        if extra is not None:
            sp.add_argument(
                "--" + extra.flag, dest="x_" + extra.flag, action="store_true", help=extra.help
            )
            group = sp.add_argument_group(
                f"with --{extra.flag} ({extra.function}; also uses "
                + ", ".join("--" + _kebab(s) for s in extra.shared)
                + ")"
            )
        for opt in lesson_options(n):
            target = group if opt.extra and group is not None else sp
            kw: dict[str, Any] = {
                "dest": opt.dest,
                "default": argparse.SUPPRESS,
                "help": _help(opt),
            }
            if opt.default is inspect.Parameter.empty:
                kw.pop("default")
                kw["required"] = True
            if _unwrap(opt.hint) == (bool, False):
                target.add_argument(opt.flag, action=argparse.BooleanOptionalAction, **kw)
            else:
                target.add_argument(opt.flag, type=_value_parser(opt), metavar=_metavar(opt), **kw)
        sp.add_argument("--json", action="store_true", help="print one JSON object")
        from .compare import add_shard_options

        add_shard_options(sp)
        sp.set_defaults(run=main, lesson_number=n)


# -- running ---------------------------------------------------------------------------------------


def _call(
    fn: Callable[..., Any],
    kwargs: Mapping[str, Any],
    flags: Mapping[str, str],
    progress: Callable[[float], None] | None = None,
) -> Any:
    """``fn(**kwargs)``, its argument errors turned into one-line :class:`UsageError` naming the
    option (``flags``: keyword -> option); ``progress`` goes to a function that takes one."""
    if progress is not None and _progress_keyword(fn):
        kwargs = {**kwargs, "progress": progress}
    try:
        return fn(**kwargs)
    except ScenarioError as exc:
        flag = flags.get(exc.field)
        if flag is None:
            raise UsageError(str(exc)) from None
        shown = repr(exc.value) if isinstance(exc.value, str) else param_text(exc.value)
        raise UsageError(f"{flag}={shown}: allowed {exc.allowed}") from None
    except ValueError as exc:  # a check across parameters: "name: ..." (e.g. lesson 3)
        head, sep, rest = str(exc).partition(":")
        if sep and head.strip() in flags:
            raise UsageError(f"{flags[head.strip()]}:{rest}") from None
        raise


def run_lesson(
    n: int,
    given: Mapping[str, Any] | None = None,
    *,
    extra: Mapping[str, Any] | None = None,
    progress: Callable[[float], None] | None = None,
) -> dict[str, Any]:
    """Lesson ``n`` with the keywords ``given`` (the rest at the function's defaults) and, when
    ``extra`` is not None, its :data:`EXTRAS` experiment with those keywords; returns the
    ``{"lesson", "parameters", "values"}`` object the command prints with ``--json``.
    Bad values raise :class:`UsageError` naming the option.  ``progress`` is handed to the
    experiments that report progress (a ``progress`` keyword)."""
    if n not in LESSONS:
        raise UsageError(f"N={n!r}: allowed one of {', '.join(map(str, LESSONS))}")
    given = dict(given or {})
    opts = lesson_options(n)
    main_opts = [o for o in opts if not o.extra]
    flags = {o.name: o.flag for o in main_opts}
    unknown = sorted(set(given) - set(flags))
    if unknown:
        raise UsageError(f"lesson {n} has no parameter {unknown[0]!r}; allowed " + ", ".join(flags))
    fn = lesson_function(n)
    record = _call(fn, given, flags, progress)
    params = {o.name: _param_json(given.get(o.name, o.default)) for o in main_opts}
    values = record_values(record)
    ex = EXTRAS.get(n)
    if ex is not None:
        params[ex.flag] = extra is not None
        if extra is not None:
            own = [o for o in opts if o.extra]
            keywords = {s: given[s] for s in ex.shared if s in given}
            by_name = {o.name: o for o in own}
            bad = sorted(set(extra) - set(by_name))
            if bad:
                raise UsageError(
                    f"--{ex.flag} has no parameter {bad[0]!r}; allowed " + ", ".join(by_name)
                )
            keywords.update(extra)
            ex_flags = {
                **{s: flags[s] for s in ex.shared if s in flags},
                **{o.name: o.flag for o in own},
            }
            params.update(
                {
                    o.flag[2:].replace("-", "_"): _param_json(extra.get(o.name, o.default))
                    for o in own
                }
            )
            values[ex.flag] = record_values(
                _call(_extra_function(ex), keywords, ex_flags, progress)
            )
    return {"lesson": n, "parameters": params, "values": values}


def main(args: argparse.Namespace) -> int:
    n = args.lesson_number
    opts = lesson_options(n)
    given = {o.name: getattr(args, o.dest) for o in opts if not o.extra and hasattr(args, o.dest)}
    extra_given = {o.name: getattr(args, o.dest) for o in opts if o.extra and hasattr(args, o.dest)}
    ex = EXTRAS.get(n)
    extra: dict[str, Any] | None = None
    if ex is not None:
        if getattr(args, "x_" + ex.flag, False):
            extra = extra_given
        elif extra_given:
            first = next(o.flag for o in opts if o.extra and o.name in extra_given)
            print(
                f"{PROG} lesson {n}: error: {first}: allowed only with --{ex.flag}", file=sys.stderr
            )
            return EXIT_USAGE
    start = time.perf_counter()
    shown = [False]

    def progress(frac: float) -> None:  # on stderr, once a run takes more than a second
        if time.perf_counter() - start > 1.0:
            shown[0] = True
            print(f"\rlesson {n}: {frac:4.0%}", end="", file=sys.stderr, flush=True)

    from ..model.shards import chosen

    try:
        with chosen(args.workers, args.dask):
            out = run_lesson(n, given, extra=extra, progress=progress)
    except UsageError as exc:  # named like the lesson's own parse errors
        print(f"{PROG} lesson {n}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if shown[0]:
        print(f"\rlesson {n}: done in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    if args.json:
        print(json.dumps(out, indent=2, allow_nan=False))
    else:
        print(text(out))
    return 0


def command_line(n: int, settings: Mapping[str, Any]) -> str:
    """``python -m sim lesson N ...`` with an option for each of ``settings`` that is a
    parameter of lesson ``n``'s experiment and differs from its default (other keys are
    ignored): the command that reproduces a run made with ``settings``."""
    words = ["python -m sim lesson", str(n)]
    for o in lesson_options(n):
        if o.extra or o.name not in settings or settings[o.name] == o.default:
            continue
        value = settings[o.name]
        if _unwrap(o.hint) == (bool, False):
            words.append(o.flag if value else "--no-" + o.flag[2:])
        else:
            words += [o.flag, param_text(value)]
    return " ".join(words)


# -- the record as numbers -------------------------------------------------------------------------


def result_summary(r: Result) -> dict[str, Any]:
    """A compact summary of one run: the keys of ``python -m sim compare --json``'s ``pop3`` and
    ``imap`` objects, plus ``tls_bytes`` (TLS octets, all devices, both directions) and
    ``sessions`` (``{device: connections opened}``)."""
    from .compare import summary

    out = summary(None, r)  # type: ignore[arg-type]  # (the scenario is not used)
    out["tls_bytes"] = sum(d.up.tls + d.down.tls for d in r.devices)
    out["sessions"] = {d.device: d.sessions for d in r.devices}
    return out


def _is_pairs_hint(hint: Any) -> bool:
    """``tuple[tuple[str, X], ...]`` (e.g. ``(("alex/phone", 3), ...)``)."""
    base, _ = _unwrap(hint)
    if typing.get_origin(base) is not tuple:
        return False
    args = typing.get_args(base)
    if len(args) != 2 or args[1] is not Ellipsis:
        return False
    inner = args[0]
    return (
        typing.get_origin(inner) is tuple
        and len(typing.get_args(inner)) == 2
        and typing.get_args(inner)[0] is str
    )


def _value(x: Any, hint: Any = None) -> Any:
    if isinstance(x, Result):
        return result_summary(x)
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return record_values(x)
    if isinstance(x, (tuple, list)):
        pairs = (
            _is_pairs_hint(hint)
            if hint is not None
            else (
                bool(x)
                and all(isinstance(i, tuple) and len(i) == 2 and isinstance(i[0], str) for i in x)
            )
        )
        if pairs:
            return {k: _value(v) for k, v in x}
        return [_value(i) for i in x]
    return to_jsonable(x)


def record_values(record: Any) -> dict[str, Any]:
    """A lesson record as JSON-ready values: one key per field, in field order except that the
    runs' summaries (fields holding a :class:`Result`) come last; nested records become objects,
    ``(name, value)`` pair tuples objects keyed by name, other tuples lists, NaN ``null``.
    A field with ``metadata={"values": False}`` (e.g. lesson 0's workload trace) is left out."""
    try:
        hints = typing.get_type_hints(type(record))
    except Exception:  # an unresolvable hint only loses the pair detection
        hints = {}
    fields = [f for f in dataclasses.fields(record) if f.metadata.get("values", True)]
    runs = [f for f in fields if isinstance(getattr(record, f.name), Result)]
    others = [f for f in fields if f not in runs]
    return {f.name: _value(getattr(record, f.name), hints.get(f.name)) for f in others + runs}


def _leaves(prefix: str, x: Any) -> list[tuple[str, Any]]:
    if isinstance(x, dict):
        if not x:
            return [(prefix, "{}")]
        out = []
        for k, v in x.items():
            out += _leaves(f"{prefix}.{k}" if prefix else str(k), v)
        return out
    if isinstance(x, list):
        if not x:
            return [(prefix, "[]")]
        out = []
        for i, v in enumerate(x):
            out += _leaves(f"{prefix}[{i}]", v)
        return out
    return [(prefix, x)]


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def text(out: Mapping[str, Any]) -> str:
    """The readable form of :func:`run_lesson`'s object: a heading, the parameters, then one
    ``key  value`` line per number (nested keys joined with dots)."""
    n = out["lesson"]
    fn = lesson_function(n)
    params = " ".join(
        f"{k}={param_text(v) if not isinstance(v, str) else v}"
        for k, v in out["parameters"].items()
    )
    rows = _leaves("", out["values"])
    width = max((len(k) for k, _ in rows), default=0)
    lines = [f"lesson {n}: {fn.__name__}", f"parameters: {params}", ""]
    lines += [f"{k:<{width}}  {_fmt(v)}" for k, v in rows]
    return "\n".join(lines)
