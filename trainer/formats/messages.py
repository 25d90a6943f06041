"""What a trainer is told about a broken file: the line a person would fix, in plain words.

PyYAML reports where its parser gave up, which is often far from the mistake: an unclosed
quote on line 14 swallows the lines after it and is reported at the next quote, 30 lines
down. `yaml_problem` finds the line the mistake is on. pydantic's messages ("Extra inputs are
not permitted") become sentences a trainer can act on (`plain_message`), with a "did you
mean" for a misspelt field or value, so `trainer personas check` and the workshop both say it.
"""

import difflib
import re
import types
from collections.abc import Iterator, Sequence
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel

# Long lists of choices are cut (a persona has 14 fields; the playbook 17 behaviours).
MAX_LISTED = 20


# -- YAML syntax --------------------------------------------------------------------------
def yaml_problem(text: str, exc: yaml.YAMLError) -> tuple[int | None, str]:
    """(line, plain message) for a YAML syntax error, at the line where the mistake is."""
    exc = _first_error(text, exc)
    problem = getattr(exc, "problem", None) or ""
    context = getattr(exc, "context", None) or ""
    problem_line = _line(getattr(exc, "problem_mark", None))
    context_line = _line(getattr(exc, "context_mark", None))
    if "quoted scalar" in context and context_line:
        return context_line, UNCLOSED_QUOTE
    if ("flow sequence" in context or "flow mapping" in context) and context_line:
        bracket = "[" if "sequence" in context else "{"
        return context_line, f"not valid YAML: the '{bracket}' opened on this line is never closed"
    if "could not find expected ':'" in problem and context_line:
        return context_line, MISSING_COLON
    runaway = _runaway_scalar(text, problem_line)
    if runaway is not None:
        return runaway
    if "'\\t'" in problem:
        return problem_line, "not valid YAML: a tab character; indent with spaces only"
    if "mapping values are not allowed" in problem:
        return problem_line, (
            "not valid YAML: a ':' where none can be; put a text that contains ': ' in quotes, "
            "or check this line's indentation"
        )
    if "expected <block end>" in problem:
        return _misaligned(text, problem_line, problem)
    return problem_line, f"not valid YAML: {problem or exc}"


UNCLOSED_QUOTE = "not valid YAML: the quote opened on this line is never closed"
MISSING_COLON = "not valid YAML: no ':' after the field name on this line"


def _first_error(text: str, exc: yaml.YAMLError) -> yaml.YAMLError:
    """The parser's error if it comes first: the scanner alone reads past a misplaced line."""
    try:
        yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as parsed:
        return parsed if _line(getattr(parsed, "problem_mark", None)) else exc
    return exc


def _line(mark: Any) -> int | None:
    return mark.line + 1 if mark is not None else None


def _runaway_scalar(text: str, error_line: int | None) -> tuple[int, str] | None:
    """A text that ran over several lines into the error: an unclosed quote swallows the lines
    after it; a line without its ':' is read as part of the next one; a line indented too far
    is read as part of the text above it."""
    if error_line is None:
        return None
    reaching: list[tuple[yaml.ScalarToken, yaml.Token | None]] = []
    before = None
    for token in _tokens_until(text, error_line):
        spans = isinstance(token, yaml.ScalarToken) and token.end_mark.line > token.start_mark.line
        if spans and token.end_mark.line + 1 >= error_line - 1 and token.start_mark.line + 1 < error_line:
            reaching.append((token, before))
        before = token
    quoted = [t for t, _ in reaching if t.style in ('"', "'")]
    if quoted:
        return quoted[0].start_mark.line + 1, UNCLOSED_QUOTE
    if not reaching:
        return None
    token, before = reaching[-1]
    if isinstance(before, yaml.ValueToken):  # a value, continued by the line below it
        above = token.start_mark.line + 1
        return error_line, f"not valid YAML: this line is indented further than it should be, under line {above}"
    return token.start_mark.line + 1, MISSING_COLON


def _tokens_until(text: str, line: int) -> Iterator[yaml.Token]:
    """The scanner's tokens up to `line` (1-based), stopping quietly at a scanning error."""
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if token.start_mark.line + 1 > line:
                return
            yield token
    except yaml.YAMLError:
        return


def _misaligned(text: str, line: int | None, problem: str) -> tuple[int | None, str]:
    """The parser stops at the first line that does not fit, which is not always the odd one:
    an item indented too far is only noticed at the next, correctly indented, item."""
    if "'<scalar>'" in problem:
        return line, "not valid YAML: unexpected text on this line (after a closing quote, or indented wrong)"
    above, below = _content_line_before(text, line), _content_line_after(text, line)
    lined_up = line and above and below and _indent(text, below) == _indent(text, line) > 0
    if lined_up and _indent(text, above) > _indent(text, line):
        return above, f"not valid YAML: this line is indented further than the lines below it (line {line})"
    where = f"line {above} above it" if above else "the line above it"
    return line, f"not valid YAML: this line's indentation does not line up with {where}"


def _indent(text: str, line: int) -> int:
    row = text.splitlines()[line - 1]
    return len(row) - len(row.lstrip(" "))


def _content_line_after(text: str, line: int | None) -> int | None:
    if not line:
        return None
    rows = text.splitlines()
    for number in range(line + 1, len(rows) + 1):
        stripped = rows[number - 1].strip()
        if stripped and not stripped.startswith("#"):
            return number
    return None


def _content_line_before(text: str, line: int | None) -> int | None:
    """The nearest line above `line` with something on it (not blank, not a comment)."""
    if not line:
        return None
    rows = text.splitlines()
    for number in range(min(line - 1, len(rows)), 0, -1):
        stripped = rows[number - 1].strip()
        if stripped and not stripped.startswith("#"):
            return number
    return None


def duplicate_keys(node: yaml.Node | None) -> list[tuple[int, str, str]]:
    """A field written twice: YAML keeps the last one silently, so the first edit seems lost."""
    found: list[tuple[int, str, str]] = []
    stack: list[tuple[yaml.Node, tuple[str, ...]]] = [(node, ())] if node is not None else []
    while stack:
        current, path = stack.pop()
        if isinstance(current, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key, value in current.value:
                name = str(key.value)
                line = key.start_mark.line + 1
                if name in seen:
                    where = ".".join((*path, name))
                    found.append((line, where, f"'{name}' is already set on line {seen[name]}: keep one of them"))
                else:
                    seen[name] = line
                stack.append((value, (*path, name)))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend((item, (*path, str(n))) for n, item in enumerate(current.value))
    return sorted(found)


# -- pydantic's errors, in plain words ----------------------------------------------------
def plain_message(error: dict[str, Any], model: type[BaseModel]) -> str:
    """One pydantic error as a sentence, with "did you mean" where a close name exists."""
    kind, ctx, given = error["type"], error.get("ctx") or {}, error.get("input")
    loc = tuple(error["loc"])
    if kind == "extra_forbidden":
        return _unknown_field(str(loc[-1]), fields_at(model, loc[:-1]))
    if kind == "missing":
        return "missing; this field is required"
    if kind == "enum":
        return _not_a_choice(given, _choices(ctx.get("expected", "")))
    message = _PLAIN.get(kind)
    if message is not None:
        return message.format(given=_shown(given), **ctx)
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    return str(error["msg"])


_PLAIN = {
    "int_parsing": "should be a whole number, not {given}",
    "int_type": "should be a whole number, not {given}",
    "int_from_float": "should be a whole number, not {given}",
    "float_parsing": "should be a number, not {given}",
    "float_type": "should be a number, not {given}",
    "bool_parsing": "should be true or false, not {given}",
    "bool_type": "should be true or false, not {given}",
    "less_than_equal": "should be at most {le}, not {given}",
    "greater_than_equal": "should be at least {ge}, not {given}",
    "less_than": "should be below {lt}, not {given}",
    "greater_than": "should be above {gt}, not {given}",
    "string_type": "should be a text, not {given}",
    "list_type": "should be a list (one '- ' line per item), not {given}",
    "dict_type": "should be a group of 'name: value' lines indented below it, not {given}",
    "model_type": "should be a group of 'name: value' lines indented below it, not {given}",
    "model_attributes_type": "should be a group of 'name: value' lines indented below it, not {given}",
    "string_pattern_mismatch": "should be lowercase letters, digits and _ (at most 64), not {given}",
}


def _shown(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a group of fields"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _unknown_field(name: str, fields: Sequence[str]) -> str:
    close = did_you_mean(name, fields)
    if close:
        return f"unknown field; did you mean '{close}'?"
    if fields:
        return f"unknown field; the fields here are {_listed(fields)}"
    return "unknown field"


def _not_a_choice(given: Any, choices: Sequence[str]) -> str:
    close = did_you_mean(str(given), choices)
    if close:
        return f"{_shown(given)} is not one of the choices; did you mean '{close}'?"
    return f"{_shown(given)} is not one of the choices: {_listed(choices)}"


def _choices(expected: str) -> list[str]:
    return re.findall(r"'([^']*)'", expected)


def _listed(names: Sequence[str]) -> str:
    shown = ", ".join(names[:MAX_LISTED])
    return shown + (f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else "")


def did_you_mean(name: str, candidates: Sequence[str]) -> str | None:
    """The one candidate a typo most likely meant, or None: `passmark` -> `pass_mark`."""
    if name in candidates:
        return None
    squashed = {c.replace("_", ""): c for c in candidates}
    if name.replace("_", "") in squashed:  # a missing or extra underscore
        return squashed[name.replace("_", "")]
    found = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.75)
    return found[0] if found else None


def fields_at(model: type[BaseModel], loc: Sequence[int | str]) -> list[str]:
    """The field names of the model found at `loc` (the mapping an unknown field sits in)."""
    found = _model_at(model, loc)
    return list(found.model_fields) if found is not None else []


def _model_at(model: type[BaseModel], loc: Sequence[int | str]) -> type[BaseModel] | None:
    current: Any = model
    for key in loc:
        current = _step(current, key)
        if current is None:
            return None
    return _as_model(current)


def _step(annotation: Any, key: int | str) -> Any:
    """One step along a location: a model's field, a list's item or a dict's value type."""
    for option in _options(annotation):
        if isinstance(option, type) and issubclass(option, BaseModel) and isinstance(key, str):
            field = option.model_fields.get(key)
            if field is not None:
                return field.annotation
        origin = get_origin(option)
        if origin is list and isinstance(key, int):
            return get_args(option)[0]
        if origin is dict:
            return get_args(option)[1]
    return None


def _options(annotation: Any) -> list[Any]:
    """`X | None`, `Annotated[X, ...]` and `Optional[X]` all mean X here."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        return [o for a in get_args(annotation) if a is not type(None) for o in _options(a)]
    return [annotation]


def _as_model(annotation: Any) -> type[BaseModel] | None:
    for option in _options(annotation):
        if isinstance(option, type) and issubclass(option, BaseModel):
            return option
    return None
