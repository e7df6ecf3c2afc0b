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
    loader = _Loader(text)
    try:
        root = _Reader(file).read(loader.get_event)
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
    finally:
        loader.dispose()
    if root is None:
        raise SpecError("empty document: expected a mapping of spec fields", file=file, line=1, col=1)
    return root


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


_constructor = yaml.constructor.SafeConstructor()
_resolver = yaml.resolver.Resolver()
_TAG_NAMES = {
    "tag:yaml.org,2002:timestamp": "a date or time (quote it to write text)",
    "tag:yaml.org,2002:binary": "binary data",
    "tag:yaml.org,2002:set": "a set",
    "tag:yaml.org,2002:omap": "an ordered map",
    "tag:yaml.org,2002:pairs": "a list of pairs",
}
_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_TOO_MANY_NODES = f"document expands to more than {MAX_YAML_NODES} YAML nodes (MAX_YAML_NODES; are aliases nested?)"
_UNSET = object()  # a scalar's value not constructed yet
_TOO_LONG = object()  # a number Python refuses to read, e.g. an integer of more than 4300 digits
_INVALID = object()  # a scalar tagged with a type its text is not, e.g. `!!int abc`
_TYPE_WORDS = {
    "tag:yaml.org,2002:null": "null (!!null)",
    "tag:yaml.org,2002:bool": "boolean (!!bool: true or false)",
    "tag:yaml.org,2002:int": "integer (!!int)",
    "tag:yaml.org,2002:float": "number (!!float)",
}


def _short(text: str, limit: int = 60) -> str:
    shown = repr(text)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def _located(value: Any, line: int, col: int, keys: Mapping[str, tuple[int, int]] | None = None) -> Located:
    """Located(value, line, col, keys) without the frozen dataclass's __init__, which pays a guarded
    setattr per field: a spec of 10,000 rows holds some 50,000 values, and this is 4x cheaper."""
    loc = object.__new__(Located)
    fields = loc.__dict__
    fields["value"], fields["line"], fields["col"], fields["keys"] = value, line, col, keys
    return loc


def _construct(tag: str, text: str, event: yaml.ScalarEvent) -> Any:
    """The value of a core-schema scalar (null, bool, int, float, str) by PyYAML's SafeConstructor,
    which knows YAML 1.1's forms (0x1F, 1_000, 1:30, 0777 octal, .inf, yes/no/on/off, ~)."""
    if tag == _STR_TAG:
        return text
    node = yaml.ScalarNode(tag, text, event.start_mark, event.end_mark, event.style)
    try:
        return _constructor.yaml_constructors[tag](_constructor, node)
    except ValueError:
        limit = sys.get_int_max_str_digits()
        return _TOO_LONG if limit and sum(c.isdigit() for c in text) > limit else _INVALID
    except (KeyError, IndexError):  # what PyYAML raises for `!!bool maybe` and an empty `!!int`
        return _INVALID


class _Open:
    """A mapping or sequence whose end event has not come yet."""

    __slots__ = ("anchor", "base", "deepest", "expect_key", "items", "key", "keys", "path")

    def __init__(self, is_map: bool, anchor: str | None, base: int) -> None:
        self.items: Any = None  # the dict or list being filled; None while the tree is not built
        self.keys: dict[str, tuple[int, int]] | None = {} if is_map else None  # a mapping's key positions
        self.key = ""  # a mapping's latest key: the value being read belongs to it
        self.expect_key = is_map  # the next node is a mapping's key (never in a sequence)
        self.path = ""  # the field path of this collection, e.g. "blocks[3].bottleneck"
        self.anchor = anchor
        self.base = base  # nodes counted before this one: its alias-expanded size is the total now - base
        self.deepest = 0  # nesting depth of its deepest child, aliases expanded


class _Anchored:
    """What an alias repeats: the anchored node as a value and, for a scalar, its tag and text, which
    decide whether it may be a mapping key. (A collection can never be one.)"""

    __slots__ = ("loc", "tag", "text")

    def __init__(self, loc: Located, tag: str | None = None, text: str | None = None) -> None:
        self.loc, self.tag, self.text = loc, tag, text


class _Reader:
    """Builds the Located tree of one document in a single pass over the parser's events.

    The same pass refuses documents whose alias-expanded size or nesting passes the limits ("billion
    laughs"). Nothing recurses: the open collections are an explicit stack, so no input can exhaust
    the stack (the C composer recursed without a depth check), and an alias costs the size of the node
    it repeats, computed once per anchor; the tree holds the anchored node itself, not a copy.

    Errors come out in the order of the three passes this one replaced (events, then composing, then
    converting): a syntax error or passed limit anywhere in the stream first, then the first composer
    error (an undefined or duplicate anchor, a second document), then the first node that is not spec
    data (a tag, a merge key, a duplicate or non-text key). So after a composer or conversion error
    the pass stops building the tree but reads on to the end of the stream.
    """

    def __init__(self, file: str) -> None:
        self.file = file
        self.sizes: dict[str, tuple[int, int]] = {}  # anchor -> (expanded nodes, nesting depth), whole stream
        self.marks: dict[str, yaml.Mark] = {}  # anchor -> start mark, first document: the composer's check
        self.anchored: dict[str, _Anchored] = {}  # anchor -> its node, while the tree is built
        self.stack: list[_Open] = []
        self.total = 0  # nodes so far, aliases expanded
        self.documents = 0
        self.root: Located | None = None
        self.root_mark: yaml.Mark | None = None
        self.composer_error: yaml.MarkedYAMLError | None = None
        self.convert_error: SpecError | None = None  # the first node that is not spec data
        self.building = True  # until the first composer or conversion error

    def read(self, get_event: Any) -> Located | None:
        """Consume the whole event stream; the root of its document (None for an empty stream)."""
        stack = self.stack
        resolved: dict[str, tuple[str, Any]] = {}  # plain text -> (tag, value): specs repeat their words
        scalar_event, stream_end = yaml.ScalarEvent, yaml.StreamEndEvent
        end_events = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
        while True:
            event = get_event()
            kind = event.__class__
            if kind is scalar_event:
                self.total += 1
                anchor = event.anchor
                if anchor is not None or not stack:
                    self._node_start(event, anchor)
                if self.building:
                    text = event.value
                    if event.tag is None and event.implicit[0]:
                        # Plain text resolves by the text alone: resolve and construct each once.
                        entry = resolved.get(text)
                        if entry is None:
                            tag = _resolver.resolve(yaml.ScalarNode, text, (True, False))
                            value = _construct(tag, text, event) if tag in _SCALAR_TAGS else _UNSET
                            entry = resolved[text] = (tag, value)
                        tag, value = entry
                    else:
                        tag, value = event.tag, _UNSET
                        if tag is None or tag == "!":
                            tag = _resolver.resolve(yaml.ScalarNode, text, event.implicit)
                    mark = event.start_mark
                    line, col = mark.line + 1, mark.column + 1
                    frame = stack[-1] if stack else None
                    if frame is not None and frame.expect_key:
                        if tag != _STR_TAG:
                            self._bad_key(frame, tag, text, line, col)
                        elif text in frame.keys:
                            self._fail(line, col, "duplicate key", f"{frame.path}.{text}" if frame.path else text)
                        else:
                            frame.keys[text] = (line, col)
                            frame.key = text
                            frame.expect_key = False
                            if anchor is not None:
                                self.anchored[anchor] = _Anchored(_located(text, line, col), tag, text)
                    elif tag not in _SCALAR_TAGS:
                        self._fail(line, col, self._tag_message(tag), self._child_path(frame))
                    else:
                        if value is _UNSET:
                            value = _construct(tag, text, event)
                        if value is _TOO_LONG:
                            self._fail(line, col, f"number {_short(text, 30)} is too long", self._child_path(frame))
                        elif value is _INVALID:
                            message = f"{_short(text, 30)} is not a valid {_TYPE_WORDS[tag]}"
                            self._fail(line, col, message, self._child_path(frame))
                        else:
                            loc = _located(value, line, col)
                            if anchor is not None:
                                self.anchored[anchor] = _Anchored(loc, tag, text)
                            if frame is None:
                                self._attach(frame, loc)
                            elif frame.keys is None:
                                frame.items.append(loc)
                            else:  # _attach, inlined: most values are a mapping's
                                frame.items[frame.key] = loc
                                frame.expect_key = True
                if self.total > MAX_YAML_NODES:
                    raise self._limit(event, _TOO_MANY_NODES)
            elif kind in end_events:
                frame = stack.pop()
                if frame.anchor is not None:
                    self._close(self.total - frame.base, frame.deepest + 1, frame.anchor)
                elif stack and stack[-1].deepest <= frame.deepest:  # _close, inlined for the common case
                    stack[-1].deepest = frame.deepest + 1
            elif kind is stream_end:
                break
            elif kind is yaml.AliasEvent:
                self._alias(event)
            elif kind is yaml.DocumentStartEvent:
                self.documents += 1
                if self.documents == 2 and self.composer_error is None:
                    self._composer_error(yaml.composer.ComposerError(
                        "expected a single document in the stream", self.root_mark, "but found another document", event.start_mark
                    ))
            elif kind is not yaml.DocumentEndEvent and kind is not yaml.StreamStartEvent:
                self._open(event)
        if self.composer_error is not None:
            raise self.composer_error
        if self.convert_error is not None:
            raise self.convert_error
        return self.root

    # -- the limits (refused at once: they come first whatever follows) -------------------------

    def _limit(self, event: yaml.Event, message: str) -> SpecError:
        mark = event.start_mark
        return SpecError(message, file=self.file, line=mark.line + 1, col=mark.column + 1)

    def _close(self, size: int, depth: int, anchor: str | None) -> None:
        """Count a finished node (a collection, or what an alias repeats) into its parent."""
        if anchor is not None:
            self.sizes[anchor] = (size, depth)
        if self.stack:
            parent = self.stack[-1]
            parent.deepest = max(parent.deepest, depth)

    # -- the composer's checks (they come before any conversion error) --------------------------

    def _composer_error(self, error: yaml.MarkedYAMLError) -> None:
        if self.composer_error is None:
            self.composer_error = error
        self.building = False

    def _node_start(self, event: yaml.NodeEvent, anchor: str | None) -> None:
        """A node starts (not an alias): note the first document's root and check its anchor."""
        if self.documents != 1:
            return  # a later document is refused as a whole
        if not self.stack and self.root_mark is None:
            self.root_mark = event.start_mark
        if anchor is not None:
            if anchor in self.marks:
                self._composer_error(yaml.composer.ComposerError(
                    "found duplicate anchor; first occurrence", self.marks[anchor], "second occurrence", event.start_mark
                ))
            else:
                self.marks[anchor] = event.start_mark

    # -- building the tree ------------------------------------------------------------------------

    def _fail(self, line: int, col: int, message: str, field: str) -> None:
        """A conversion error: kept until the stream has been read, for errors that come before it."""
        if self.convert_error is None:
            self.convert_error = SpecError(message, file=self.file, line=line, col=col, field=field)
        self.building = False

    @staticmethod
    def _child_path(frame: _Open | None) -> str:
        """The field path of the node being read: the next item of `frame` (None: the root)."""
        if frame is None:
            return ""
        if frame.keys is None:
            return f"{frame.path}[{len(frame.items)}]"
        return f"{frame.path}.{frame.key}" if frame.path else frame.key

    def _attach(self, frame: _Open | None, loc: Located) -> None:
        """Put a finished value (or a started collection) into its parent."""
        if frame is None:
            if self.documents == 1:
                self.root = loc
        elif frame.keys is None:
            frame.items.append(loc)
        else:
            frame.items[frame.key] = loc
            frame.expect_key = True

    @staticmethod
    def _tag_message(tag: str) -> str:
        what = _TAG_NAMES.get(tag)
        if what is None:
            what = f"YAML tag {_short(tag)}"
        return f"{what} is not supported: only mappings, lists, text, numbers, booleans and null"

    def _bad_key(self, frame: _Open, tag: str | None, text: str | None, line: int, col: int) -> None:
        """A key that is not text: a merge key, a scalar of another type, a list or a mapping."""
        if tag == _MERGE_TAG:
            self._fail(line, col, "YAML merge keys ('<<') are not supported: write the fields out", frame.path)
            return
        shown = f" ({_short(text)}; quote it if it is a name)" if text is not None else ""
        self._fail(line, col, f"mapping keys must be plain names, not a number, list or mapping{shown}", frame.path)

    def _open(self, event: yaml.CollectionStartEvent) -> None:
        stack = self.stack
        if len(stack) >= MAX_NESTING:
            raise self._limit(event, f"YAML nested deeper than the limit of {MAX_NESTING} (MAX_NESTING)")
        anchor = event.anchor
        if anchor is not None or not stack:
            self._node_start(event, anchor)
            self.sizes.pop(anchor, None)  # a redefined anchor is open again until it closes
        is_map = event.__class__ is yaml.MappingStartEvent
        frame = _Open(is_map, anchor, self.total)
        self.total += 1
        if self.total > MAX_YAML_NODES:
            raise self._limit(event, _TOO_MANY_NODES)
        parent = stack[-1] if stack else None
        stack.append(frame)
        if not self.building:
            return
        mark = event.start_mark
        line, col = mark.line + 1, mark.column + 1
        if parent is not None and parent.expect_key:
            self._bad_key(parent, None, None, line, col)
            return
        tag = event.tag
        if tag is not None and tag != "!" and tag != (_MAP_TAG if is_map else _SEQ_TAG):
            self._fail(line, col, self._tag_message(tag), self._child_path(parent))
            return
        frame.items = {} if is_map else []
        frame.path = self._child_path(parent)
        loc = _located(frame.items, line, col, frame.keys)
        if anchor is not None:
            self.anchored[anchor] = _Anchored(loc)
        self._attach(parent, loc)

    def _alias(self, event: yaml.AliasEvent) -> None:
        stack, anchor = self.stack, event.anchor
        if anchor not in self.sizes and any(frame.anchor == anchor for frame in stack):
            raise self._limit(event, f"the YAML alias *{anchor} refers to a node that contains it")
        size, depth = self.sizes.get(anchor, (1, 0))
        if len(stack) + depth > MAX_NESTING:
            raise self._limit(event, f"YAML nested deeper than the limit of {MAX_NESTING} (MAX_NESTING) once aliases expand")
        self.total += size
        self._close(size, depth, None)
        if self.total > MAX_YAML_NODES:
            raise self._limit(event, _TOO_MANY_NODES)
        if self.documents == 1 and anchor not in self.marks:
            self._composer_error(yaml.composer.ComposerError(None, None, "found undefined alias", event.start_mark))
        if not self.building:
            return
        node = self.anchored[anchor]
        frame = stack[-1] if stack else None
        line, col = node.loc.line, node.loc.col  # the anchored node's position, as the composer gives it
        if frame is not None and frame.expect_key:
            if node.tag != _STR_TAG:
                self._bad_key(frame, node.tag, node.text, line, col)
            elif node.text in frame.keys:
                self._fail(line, col, "duplicate key", f"{frame.path}.{node.text}" if frame.path else node.text)
            else:
                frame.keys[node.text] = (line, col)
                frame.key = node.text
                frame.expect_key = False
        else:
            self._attach(frame, node.loc)
