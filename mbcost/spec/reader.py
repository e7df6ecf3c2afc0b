"""Safe, bounded YAML reading that keeps the position of every value.

A `Located` is a plain value (a scalar, a list of Located, or a dict of str -> Located) with the
line and column it came from, so that every later error can name FILE:LINE:COL. Only the YAML core
types are accepted: no tag ever constructs a Python object.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import SpecError
from ..limits import MAX_FILE_BYTES, MAX_NESTING, MAX_YAML_NODES

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SCALAR_TAGS = {
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:str",
}
_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"


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
        nodes = _document_nodes(text, file)
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
    if not nodes:
        raise SpecError("empty document: expected a mapping of spec fields", file=file, line=1, col=1)
    return _Builder(nodes, file).located(nodes[0], "")


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


# One document as a flat list of its nodes' starts and ends, in document order: plain tuples of text
# and numbers, which the cyclic garbage collector soon stops visiting (a file may hold 200,000 nodes).
# (kind, anchor, tag, text, plain, line, col): kind is "scalar", "alias", "seq", "map" or "end"; the tag
# is resolved; `plain` says the text alone decides tag and value; line and col are 1-based.
_Node = tuple[str, "str | None", "str | None", "str | None", bool, int, int]
_END: _Node = ("end", None, None, None, False, 0, 0)


def _document_nodes(text: str, file: str) -> list[_Node]:
    """The nodes of the stream's one document, once the whole stream has been read.

    Refused first, as soon as they are reached: syntax errors, and documents whose alias-expanded size
    or nesting passes the limits ("billion laughs"). Nothing recurses here (the open collections are an
    explicit stack), and an alias costs the size of the node it repeats, computed once per anchor.
    Then, as the composer would (with libyaml's messages): an undefined or duplicate anchor in the
    first document, or a second document.
    """
    sizes: dict[str, tuple[int, int]] = {}  # anchor -> (expanded nodes, nesting depth)
    stack: list[list[Any]] = []  # open collections: [nodes before it, deepest child, anchor]
    total = 0  # nodes so far, aliases expanded
    nodes: list[_Node] = []
    tags: dict[str, str] = {}  # plain text -> its tag: a spec repeats its words and numbers
    anchors: dict[str, yaml.Mark] = {}  # the first document's anchors, where each is defined
    root: yaml.Mark | None = None  # where the first document's node starts
    documents = 0
    refusal: yaml.MarkedYAMLError | None = None  # the composer's first, raised once the stream is read

    def fail(event: yaml.Event, message: str) -> SpecError:
        mark = event.start_mark
        return SpecError(message, file=file, line=mark.line + 1, col=mark.column + 1)

    def define(event: yaml.NodeEvent) -> yaml.MarkedYAMLError | None:
        if event.anchor in anchors:
            first = anchors[event.anchor]
            return yaml.composer.ComposerError("found duplicate anchor; first occurrence", first, "second occurrence", event.start_mark)
        anchors[event.anchor] = event.start_mark
        return None

    for event in yaml.parse(text, Loader=_Loader):
        kind = type(event)
        if kind is yaml.ScalarEvent:
            total += 1
            if event.anchor is not None and documents == 1 and refusal is None:
                refusal = define(event)
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            if len(stack) >= MAX_NESTING:
                raise fail(event, f"YAML nested deeper than the limit of {MAX_NESTING} (MAX_NESTING)")
            stack.append([total, 0, event.anchor])
            total += 1
            if event.anchor is not None:
                sizes.pop(event.anchor, None)  # a redefined anchor is open again until it closes
                if documents == 1 and refusal is None:
                    refusal = define(event)
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            base, deepest, anchor = stack.pop()
            if anchor is not None:
                sizes[anchor] = (total - base, deepest + 1)
            if stack and stack[-1][1] <= deepest:
                stack[-1][1] = deepest + 1
        elif kind is yaml.AliasEvent:
            anchor = event.anchor
            if anchor not in sizes and any(frame[2] == anchor for frame in stack):
                raise fail(event, f"the YAML alias *{anchor} refers to a node that contains it")
            size, depth = sizes.get(anchor, (1, 0))  # an alias of a scalar is one node
            if len(stack) + depth > MAX_NESTING:
                raise fail(event, f"YAML nested deeper than the limit of {MAX_NESTING} (MAX_NESTING) once aliases expand")
            total += size
            if stack and stack[-1][1] < depth:
                stack[-1][1] = depth
            if anchor not in anchors and documents == 1 and refusal is None:
                refusal = yaml.composer.ComposerError(None, None, "found undefined alias", event.start_mark)
        elif kind is yaml.DocumentStartEvent:
            documents += 1
            if documents == 2 and refusal is None:
                refusal = yaml.composer.ComposerError("expected a single document in the stream", root, "but found another document", event.start_mark)
            continue
        else:  # the stream's start and end, a document's end
            continue
        if total > MAX_YAML_NODES:
            raise fail(event, f"document expands to more than {MAX_YAML_NODES} YAML nodes (MAX_YAML_NODES; are aliases nested?)")
        if documents == 1:
            root = root or event.start_mark
            nodes.append(_node(event, tags))
    if refusal is not None:
        raise refusal
    return nodes


def _node(event: yaml.Event, tags: dict[str, str]) -> _Node:
    """An event as a _Node, its tag resolved as the composer does when it has none (or only `!`)."""
    kind = type(event)
    if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
        return _END
    mark = event.start_mark
    if kind is yaml.AliasEvent:
        return ("alias", event.anchor, None, None, False, mark.line + 1, mark.column + 1)
    tag, text = event.tag, getattr(event, "value", None)
    plain = kind is yaml.ScalarEvent and tag is None and event.implicit[0]
    if plain:
        tag = tags.get(text) or tags.setdefault(text, _resolver.resolve(yaml.ScalarNode, text, event.implicit))
    elif kind is yaml.ScalarEvent and tag in (None, "!"):
        tag = _resolver.resolve(yaml.ScalarNode, text, event.implicit)
    elif tag in (None, "!"):
        tag = _MAP_TAG if kind is yaml.MappingStartEvent else _SEQ_TAG
    what = "scalar" if kind is yaml.ScalarEvent else "map" if kind is yaml.MappingStartEvent else "seq"
    return (what, event.anchor, tag, text, plain, mark.line + 1, mark.column + 1)


_constructor = yaml.constructor.SafeConstructor()
_resolver = yaml.resolver.Resolver()
_TAG_NAMES = {
    "tag:yaml.org,2002:timestamp": "a date or time (quote it to write text)",
    "tag:yaml.org,2002:binary": "binary data",
    "tag:yaml.org,2002:set": "a set",
    "tag:yaml.org,2002:omap": "an ordered map",
    "tag:yaml.org,2002:pairs": "a list of pairs",
}
_TYPE_WORDS = {
    "tag:yaml.org,2002:null": "null (!!null)",
    "tag:yaml.org,2002:bool": "boolean (!!bool: true or false)",
    "tag:yaml.org,2002:int": "integer (!!int)",
    "tag:yaml.org,2002:float": "number (!!float)",
}


def _short(text: str, limit: int = 60) -> str:
    shown = repr(text)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


class _Builder:
    """The Located tree of one document's nodes, checked in document order: the first node that is
    not spec data (a tag, a merge key, a duplicate or non-text key, a malformed scalar) is the error.
    It recurses once per level, at most MAX_NESTING deep (_document_nodes refused anything deeper).
    An alias gives the anchored node's Located itself: repeating ~200,000 nodes costs nothing."""

    def __init__(self, nodes: list[_Node], file: str) -> None:
        self.next_node = iter(nodes[1:]).__next__
        self.file = file
        self.anchored: dict[str, tuple[Located, str | None, str | None]] = {}  # anchor -> (node, tag, text)
        self.values: dict[str, Any] = {}  # plain text -> its value

    def located(self, node: _Node, path: str) -> Located:
        """The value of the node that starts with `node`; the rest of its nodes are consumed."""
        kind, anchor, tag, text, plain, line, col = node
        if kind == "alias":
            return self.anchored[anchor][0]
        if kind == "scalar":
            if plain and text in self.values:
                loc = Located(self.values[text], line, col)
            elif tag not in _SCALAR_TAGS:
                raise self._error(line, col, self._tag_message(tag), path)
            else:
                value = self._scalar(tag, text, line, col, path)
                if plain:
                    self.values[text] = value
                loc = Located(value, line, col)
        elif tag != (_MAP_TAG if kind == "map" else _SEQ_TAG):
            raise self._error(line, col, self._tag_message(tag), path)
        elif kind == "seq":
            items: list[Located] = []
            while (item := self.next_node()) is not _END:
                items.append(self.located(item, f"{path}[{len(items)}]"))
            loc = Located(items, line, col)
        else:
            fields: dict[str, Located] = {}
            keys: dict[str, tuple[int, int]] = {}
            while (key := self.next_node()) is not _END:
                name, key_line, key_col = self._key(key, path)
                where = f"{path}.{name}" if path else name
                if name in fields:
                    raise self._error(key_line, key_col, "duplicate key", where)
                keys[name] = (key_line, key_col)
                fields[name] = self.located(self.next_node(), where)
            loc = Located(fields, line, col, keys)
        if anchor is not None:
            self.anchored[anchor] = (loc, tag, text)
        return loc

    def _key(self, node: _Node, path: str) -> tuple[str, int, int]:
        """A mapping key's text and position: a plain name, never a number, list or mapping (nor a
        merge key). An alias stands where its anchored node does, as the composer has it."""
        kind, anchor, tag, text, _, line, col = node
        if kind == "alias":
            loc, tag, text = self.anchored[anchor]
            line, col = loc.line, loc.col
        elif kind != "scalar":
            tag, text = None, None
        elif anchor is not None and tag == _STR_TAG:
            self.anchored[anchor] = (Located(text, line, col), tag, text)
        if tag == _MERGE_TAG:
            raise self._error(line, col, "YAML merge keys ('<<') are not supported: write the fields out", path)
        if tag != _STR_TAG:
            shown = f" ({_short(text)}; quote it if it is a name)" if text is not None else ""
            raise self._error(line, col, f"mapping keys must be plain names, not a number, list or mapping{shown}", path)
        return text, line, col

    def _scalar(self, tag: str, text: str, line: int, col: int, path: str) -> Any:
        """The value of a core-schema scalar by PyYAML's SafeConstructor, which knows YAML 1.1's forms
        (0x1F, 1_000, 1:30, 0777 octal, .inf, yes/no/on/off, ~)."""
        if tag == _STR_TAG:
            return text
        try:
            return _constructor.yaml_constructors[tag](_constructor, yaml.ScalarNode(tag, text))
        except ValueError:
            limit = sys.get_int_max_str_digits()  # Python refuses to read longer integers
            if limit and sum(c.isdigit() for c in text) > limit:
                raise self._error(line, col, f"number {_short(text, 30)} is too long", path) from None
        except (KeyError, IndexError):  # what PyYAML raises for `!!bool maybe` and an empty `!!int`
            pass
        raise self._error(line, col, f"{_short(text, 30)} is not a valid {_TYPE_WORDS[tag]}", path)

    @staticmethod
    def _tag_message(tag: str) -> str:
        what = _TAG_NAMES.get(tag) or f"YAML tag {_short(tag)}"
        return f"{what} is not supported: only mappings, lists, text, numbers, booleans and null"

    def _error(self, line: int, col: int, message: str, field: str) -> SpecError:
        return SpecError(message, file=self.file, line=line, col=col, field=field)
