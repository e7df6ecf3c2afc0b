"""Safe, bounded YAML reading that keeps the position of every value.

A `Located` is a plain value (a scalar, a list of Located, or a dict of str -> Located) with the
line and column it came from, so that every later error can name FILE:LINE:COL. Only the YAML core
types are accepted: no tag ever constructs a Python object.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import SpecError
from .limits import MAX_FILE_BYTES, MAX_NESTING, MAX_YAML_NODES

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SCALAR_TAGS = {
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:str",
}
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


@dataclass(frozen=True)
class Located:
    """A YAML value with its 1-based position; `keys` holds the positions of a mapping's keys."""

    value: Any
    line: int
    col: int
    keys: Mapping[str, tuple[int, int]] | None = None  # a mapping's key positions; None for scalars and lists

    @property
    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_list(self) -> bool:
        return isinstance(self.value, list)


def read_text(path: Path, limit: int = MAX_FILE_BYTES, limit_name: str = "MAX_FILE_BYTES") -> str:
    """The file's text, refusing what is not a readable UTF-8 file of at most `limit` bytes."""
    name = str(path)
    try:
        exists, is_file = path.exists(), path.is_file()
    except (OSError, ValueError) as error:  # a name too long, or holding a NUL byte
        raise SpecError(f"cannot read: {getattr(error, 'strerror', None) or error}", file=name) from None
    if not exists:
        raise SpecError("no such file", file=name)
    if not is_file:
        raise SpecError("not a file", file=name)
    try:
        size = path.stat().st_size
        if size > limit:
            raise SpecError(f"file is {size} bytes; the limit is {limit} bytes ({limit_name})", file=name)
        data = path.read_bytes()
    except OSError as error:
        raise SpecError(f"cannot read: {error.strerror or error}", file=name) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line, col = _position(data[: error.start])
        bad = data[error.start : error.start + 1].hex()
        raise SpecError(f"byte 0x{bad} at offset {error.start} is not UTF-8 text", file=name, line=line, col=col) from None


_LINE_BREAK = re.compile("\r\n|\r|\n|\x85|\u2028|\u2029")  # YAML 1.1 line breaks, as the parser counts lines


def _position(prefix: bytes) -> tuple[int, int]:
    """1-based line and column (in characters) just after `prefix`, which may end mid-character."""
    parts = _LINE_BREAK.split(prefix.decode("utf-8", "replace"))
    return len(parts), len(parts[-1]) + 1


def parse_yaml(text: str, file: str) -> Located:
    """Parse one YAML document into a Located tree, with bounded size and nesting."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise SpecError(f"document is larger than the limit of {MAX_FILE_BYTES} bytes (MAX_FILE_BYTES)", file=file)
    try:
        _check_events(text, file)  # before composing: the C composer recurses without a depth check
        node = yaml.compose(text, Loader=_Loader)
    except yaml.reader.ReaderError as error:
        # The C reader counts bytes of the UTF-8 text, the Python reader characters.
        data = text.encode("utf-8", "surrogatepass")
        prefix = data[: error.position] if _Loader is not yaml.SafeLoader else text[: error.position].encode("utf-8", "surrogatepass")
        line, col = _position(prefix)
        char = error.character if isinstance(error.character, int) else ord(error.character or "\0")
        raise SpecError(
            f"character U+{char:04X} is not allowed in YAML ({error.reason})", file=file, line=line, col=col
        ) from None
    except yaml.MarkedYAMLError as error:
        raise _syntax_error(error, text, file) from None
    except yaml.YAMLError as error:
        raise SpecError(f"YAML error: {error}", file=file) from None
    if node is None:
        raise SpecError("empty document: expected a mapping of spec fields", file=file, line=1, col=1)
    return _convert(node, file, "")


def _syntax_error(error: yaml.MarkedYAMLError, text: str, file: str) -> SpecError:
    """A YAML syntax error at the node to fix. For an unclosed quote, bracket or key the parser only
    notices later (often at the end of the file); its context mark is where the construct opened."""
    message = " ".join(str(p) for p in (error.context, error.problem) if p) or "invalid YAML"
    problem, context = error.problem_mark, error.context_mark
    if "maximum nesting depth" in message and problem is not None:
        # libyaml >= 0.2.5 (PyYAML 6.0.2+ wheels) has its own flow-depth cap, which its scanner can reach
        # before our event pass sees depth MAX_NESTING: report it as the same limit.
        message = f"YAML nested deeper than the limit of {MAX_NESTING} (MAX_NESTING)"
        return SpecError(message, file=file, line=problem.line + 1, col=problem.column + 1)
    mark = problem or context
    opener = str(error.context or "").startswith(("while scanning", "while parsing a flow"))
    if context is not None and opener and (problem is None or problem.line != context.line):
        mark = context
        if problem is not None:
            message += f" (noticed at line {problem.line + 1}, column {problem.column + 1})"
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    lines = _LINE_BREAK.split(text.rstrip("\r\n\x85\u2028\u2029"))
    if line > len(lines):  # libyaml puts the end of a file without a final newline on a line after it
        line, col = len(lines), len(lines[-1]) + 1
    return SpecError(f"YAML syntax error: {message}", file=file, line=line, col=col)


def _check_events(text: str, file: str) -> None:
    """Refuse documents whose alias-expanded size or nesting passes the limits ("billion laughs").

    One pass over the parser's events, with an explicit stack: nothing recurses, so no input can
    exhaust the stack, and an alias costs the size of the node it repeats (computed once per anchor).
    """
    sizes: dict[str, tuple[int, int]] = {}  # anchor -> (expanded nodes, nesting depth)
    stack: list[list[Any]] = []  # open collections: [nodes so far, deepest child, anchor]
    total = 0

    def fail(event: yaml.Event, message: str) -> SpecError:
        mark = event.start_mark
        return SpecError(message, file=file, line=mark.line + 1, col=mark.column + 1)

    def close(size: int, depth: int, anchor: str | None) -> None:
        if anchor is not None:
            sizes[anchor] = (size, depth)
        if stack:
            stack[-1][0] += size
            stack[-1][1] = max(stack[-1][1], depth)

    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            if len(stack) >= MAX_NESTING:
                raise fail(event, f"YAML nested deeper than the limit of {MAX_NESTING} (MAX_NESTING)")
            stack.append([1, 0, event.anchor])
            total += 1
            if event.anchor is not None:
                sizes.pop(event.anchor, None)  # a redefined anchor is open again until it closes
        elif isinstance(event, yaml.CollectionEndEvent):
            size, deepest, anchor = stack.pop()
            close(size, deepest + 1, anchor)
        elif isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent)):
            size, depth = 1, 0
            if isinstance(event, yaml.AliasEvent):
                if event.anchor not in sizes and any(frame[2] == event.anchor for frame in stack):
                    raise fail(event, f"the YAML alias *{event.anchor} refers to a node that contains it")
                size, depth = sizes.get(event.anchor, (1, 0))
                if len(stack) + depth > MAX_NESTING:
                    raise fail(event, f"YAML nested deeper than the limit of {MAX_NESTING} (MAX_NESTING) once aliases expand")
            total += size
            close(size, depth, getattr(event, "anchor", None) if isinstance(event, yaml.ScalarEvent) else None)
        if total > MAX_YAML_NODES:
            raise fail(event, f"document expands to more than {MAX_YAML_NODES} YAML nodes (MAX_YAML_NODES; are aliases nested?)")


def _error(node: yaml.Node, file: str, message: str, field: str = "") -> SpecError:
    mark = node.start_mark
    return SpecError(message, file=file, line=mark.line + 1, col=mark.column + 1, field=field)


_constructor = yaml.constructor.SafeConstructor()
_TAG_NAMES = {
    "tag:yaml.org,2002:timestamp": "a date or time (quote it to write text)",
    "tag:yaml.org,2002:binary": "binary data",
    "tag:yaml.org,2002:set": "a set",
    "tag:yaml.org,2002:omap": "an ordered map",
    "tag:yaml.org,2002:pairs": "a list of pairs",
}


def _tag_error(node: yaml.Node, file: str, path: str) -> SpecError:
    what = _TAG_NAMES.get(node.tag)
    if what is None:
        what = f"YAML tag {_short(node.tag)}"
    return _error(node, file, f"{what} is not supported: only mappings, lists, text, numbers, booleans and null", field=path)


def _short(text: str, limit: int = 60) -> str:
    shown = repr(text)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


_STR_TAG = "tag:yaml.org,2002:str"
_INT_TAG = "tag:yaml.org,2002:int"


def _scalar(node: yaml.ScalarNode) -> Any:
    """The value of a core-schema scalar. Text and plain decimal integers (most of a spec) are read
    directly; everything else (0x1F, 1_000, 1:30, 0777 octal, floats, booleans, null) by PyYAML's
    SafeConstructor, which knows YAML 1.1's forms."""
    value = node.value
    if node.tag == _STR_TAG:
        return value
    if node.tag == _INT_TAG and value.isdigit() and (value[0] != "0" or value == "0"):
        return int(value)
    return _constructor.construct_object(node)


def _convert(node: yaml.Node, file: str, path: str) -> Located:
    line, col = node.start_mark.line + 1, node.start_mark.column + 1
    if isinstance(node, yaml.ScalarNode):
        if node.tag not in _SCALAR_TAGS:
            raise _tag_error(node, file, path)
        try:
            value = _scalar(node)
        except ValueError:  # e.g. an integer of more than 4300 digits (Python's int parsing limit)
            raise _error(node, file, f"number {_short(node.value, 30)} is too long", field=path) from None
        return Located(value, line, col)
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _SEQ_TAG:
            raise _tag_error(node, file, path)
        return Located([_convert(item, file, f"{path}[{i}]") for i, item in enumerate(node.value)], line, col)
    if node.tag != _MAP_TAG:
        raise _tag_error(node, file, path)
    items: dict[str, Located] = {}
    keys: dict[str, tuple[int, int]] = {}
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.tag == "tag:yaml.org,2002:merge":
            raise _error(key_node, file, "YAML merge keys ('<<') are not supported: write the fields out", field=path)
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
            shown = f" ({_short(key_node.value)}; quote it if it is a name)" if isinstance(key_node, yaml.ScalarNode) else ""
            raise _error(key_node, file, f"mapping keys must be plain names, not a number, list or mapping{shown}", field=path)
        key = key_node.value
        where = f"{path}.{key}" if path else key
        if key in items:
            raise _error(key_node, file, "duplicate key", field=where)
        keys[key] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        items[key] = _convert(value_node, file, where)
    return Located(items, line, col, keys)
