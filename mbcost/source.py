"""Safe, bounded YAML reading that keeps the position of every value.

A `Located` is a plain value (a scalar, a list of Located, or a dict of str -> Located) with the
line and column it came from, so that every later error can name FILE:LINE:COL. Only the YAML core
types are accepted: no tag ever constructs a Python object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    keys: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_list(self) -> bool:
        return isinstance(self.value, list)


def read_text(path: Path) -> str:
    """The file's text, refusing what is not a readable, reasonably sized UTF-8 file."""
    name = str(path)
    if not path.exists():
        raise SpecError("no such file", file=name)
    if not path.is_file():
        raise SpecError("not a file", file=name)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise SpecError(f"file is {size} bytes; the limit is {MAX_FILE_BYTES} bytes", file=name)
        data = path.read_bytes()
    except OSError as error:
        raise SpecError(f"cannot read: {error.strerror or error}", file=name) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SpecError(f"not UTF-8 text (byte {error.start})", file=name) from None


def parse_yaml(text: str, file: str) -> Located:
    """Parse one YAML document into a Located tree, with bounded size and nesting."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise SpecError(f"document is larger than the limit of {MAX_FILE_BYTES} bytes", file=file)
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        message = " ".join(str(p) for p in (error.context, error.problem) if p) or "invalid YAML"
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        raise SpecError(f"syntax error: {message}", file=file, line=line, col=col, field="yaml") from None
    except yaml.YAMLError as error:
        raise SpecError(f"YAML error: {error}", file=file) from None
    except RecursionError:
        raise SpecError(f"YAML nested too deeply (limit {MAX_NESTING})", file=file) from None
    if node is None:
        raise SpecError("empty document: expected a mapping of spec fields", file=file, line=1, col=1)
    _check_size(node, file)
    return _convert(node, file, "")


def _check_size(root: yaml.Node, file: str) -> None:
    """Refuse documents whose alias-expanded size or nesting passes the limits ("billion laughs")."""
    sizes: dict[int, int] = {}
    depths: dict[int, int] = {}
    in_progress: set[int] = set()

    def visit(node: yaml.Node) -> tuple[int, int]:
        key = id(node)
        if key in sizes:
            return sizes[key], depths[key]
        if key in in_progress:
            raise _error(node, file, "a YAML alias refers to itself")
        in_progress.add(key)
        size, depth = 1, 0
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                children += (k, v)
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        for child in children:
            child_size, child_depth = visit(child)
            size += child_size
            depth = max(depth, child_depth + 1)
            if size > MAX_YAML_NODES:
                raise _error(
                    node,
                    file,
                    f"document expands to more than {MAX_YAML_NODES} YAML nodes (are aliases nested?)",
                )
        if depth > MAX_NESTING:
            raise _error(node, file, f"YAML nested deeper than the limit of {MAX_NESTING}")
        in_progress.discard(key)
        sizes[key], depths[key] = size, depth
        return size, depth

    try:
        visit(root)
    except RecursionError:
        raise SpecError(f"YAML nested deeper than the limit of {MAX_NESTING}", file=file) from None


def _error(node: yaml.Node, file: str, message: str, field: str = "") -> SpecError:
    mark = node.start_mark
    return SpecError(message, file=file, line=mark.line + 1, col=mark.column + 1, field=field)


_constructor = yaml.constructor.SafeConstructor()


def _tag(node: yaml.Node) -> str:
    return repr(node.tag.replace("tag:yaml.org,2002:", "!!"))


def _convert(node: yaml.Node, file: str, path: str) -> Located:
    """`path` names the value in messages, e.g. `blocks[2].bottleneck`."""
    line, col = node.start_mark.line + 1, node.start_mark.column + 1
    where = path or "yaml"
    if isinstance(node, yaml.ScalarNode):
        if node.tag not in _SCALAR_TAGS:
            raise _error(node, file, f"unsupported YAML tag or value type {_tag(node)}", where)
        return Located(_constructor.construct_object(node), line, col)
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _SEQ_TAG:
            raise _error(node, file, f"unsupported YAML tag {_tag(node)}", where)
        return Located([_convert(item, file, f"{path}[{i}]") for i, item in enumerate(node.value)], line, col)
    if node.tag != _MAP_TAG:
        raise _error(node, file, f"unsupported YAML tag {_tag(node)}", where)
    items: dict[str, Located] = {}
    keys: dict[str, tuple[int, int]] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
            raise _error(key_node, file, "mapping keys must be plain names", where)
        key = key_node.value
        child = f"{path}.{key}" if path else key
        if key == "<<":
            raise _error(key_node, file, "YAML merge keys ('<<') are not supported", child)
        if key in items:
            raise _error(key_node, file, "duplicate key", child)
        keys[key] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        items[key] = _convert(value_node, file, child)
    return Located(items, line, col, keys)
