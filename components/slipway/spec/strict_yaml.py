"""One strict reading of YAML for the whole catalog.

A service file is a small mapping a person reviews. Everything YAML can do beyond that is a way
to make the reviewed text differ from what is deployed, or to make the loader hang, so it is
refused here, before any value reaches the model:

- bytes that are not UTF-8 (UTF-16, Latin-1, a byte-order mark, NUL bytes);
- files larger than `MAX_FILE_BYTES`;
- explicit tags (`!!binary`, `!!python/...`, any `!tag`): they change how text is read;
- anchors and aliases: a few hundred bytes of aliases expand into gigabytes;
- nesting deeper than `MAX_DEPTH` (the composer recurses once per level);
- duplicate keys in one mapping (the last silently wins, so a reviewer sees the first);
- keys that are not text (`on:` is the boolean true in YAML 1.1), or YAML merge keys (`<<`);
- scalars YAML cannot build (a date like 2024-13-45, a number of 5000 digits).

Every refusal names the line. The reader also keeps, for each plain scalar that YAML turned
into something other than text, what the user typed (`Scalar`), so that checks downstream can
say "YAML reads NO as the boolean false" and suggest the quoted form of exactly what was typed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_FILE_BYTES = 128 * 1024
"""A real service file is a few KiB; 128 KiB leaves room and bounds the time to read one."""
MAX_DEPTH = 24
"""The spec nests at most 6 levels; 24 bounds the composer's recursion with room to spare."""

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Scalar:
    """A plain (unquoted) scalar that YAML read as something other than text."""

    source: str
    """Exactly what the user typed, e.g. `1.10`, `NO`, `0022`."""
    value: object
    """What YAML made of it, e.g. 1.1, False, 18."""
    line: int

    @property
    def kind(self) -> str:
        """The real cause in words: a boolean, a date, a number, nothing (null)."""
        if isinstance(self.value, bool):
            return "the boolean " + ("true" if self.value else "false")
        if self.value is None:
            return "nothing (null)"
        if isinstance(self.value, datetime.datetime):
            return "a date and time"
        if isinstance(self.value, datetime.date):
            return "the date " + self.value.isoformat()
        return f"the number {self.rendered}"

    @property
    def quoted(self) -> str:
        """The quoted form of what was typed, ready to paste back into the file."""
        escaped = self.source.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'

    @property
    def rendered(self) -> str:
        """The text a non-text value becomes in an environment variable or a label."""
        if isinstance(self.value, bool):
            return "true" if self.value else "false"
        return "" if self.value is None else str(self.value)

    @property
    def changes_text(self) -> bool:
        """True when the value, rendered back as text, is not what the user typed."""
        return self.rendered != self.source


@dataclass(frozen=True)
class Document:
    """A parsed service file: the data, and where each value came from."""

    data: Any
    lines: dict[Path, int] = field(default_factory=dict)
    """Line (1-based) of every key and value, by its path in the document."""
    scalars: dict[Path, Scalar] = field(default_factory=dict)
    """Every plain scalar YAML read as other than text, by its path."""

    def line_of(self, path: Path) -> int | None:
        """The line of `path`, or of its nearest ancestor the document has."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None


class StrictYamlError(Exception):
    """Refusal of the file's YAML, at a line."""

    def __init__(self, line: int | None, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.message = message

    @property
    def where(self) -> str:
        """`line 3, column 5: `, `line 3: ` or nothing."""
        if self.line is None:
            return ""
        return f"line {self.line}, column {self.column}: " if self.column else \
            f"line {self.line}: "


class _Loader(yaml.SafeLoader):
    """pyyaml's pure-Python SafeLoader, composing nodes only (never constructing objects),
    with aliases refused at the event and nesting bounded at each node."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        if self.check_event(AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise StrictYamlError(_line(event.start_mark),
                              f"alias *{event.anchor}: anchors and aliases are not allowed "
                              "(they hide what a value is, and can expand without bound); "
                              "write the value out")
        event = self.peek_event()  # type: ignore[no-untyped-call]
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise StrictYamlError(_line(event.start_mark),
                              f"anchor &{anchor}: anchors and aliases are not allowed; "
                              "write the value out where it is used")
        tag = getattr(event, "tag", None)
        if tag is not None:
            raise StrictYamlError(_line(event.start_mark),
                              f"tag {_short_tag(tag)}: explicit YAML tags are not allowed; "
                              "write plain values (quote text)")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise StrictYamlError(_line(event.start_mark),
                                  f"nested more than {MAX_DEPTH} levels deep; a service file "
                                  "never needs that")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,") \
        else tag


def _line(mark: Any) -> int | None:
    return mark.line + 1 if mark is not None else None


def _line_of_offset(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode(data: bytes) -> str:
    """The file's text, or a refusal naming the encoding problem and its line."""
    if len(data) > MAX_FILE_BYTES:
        raise StrictYamlError(None, f"is {len(data)} bytes, over the {MAX_FILE_BYTES} byte limit "
                                "for one service file")
    for bom, name in ((b"\xef\xbb\xbf", "UTF-8 byte-order mark"),
                      (b"\xff\xfe", "UTF-16 byte-order mark"),
                      (b"\xfe\xff", "UTF-16 byte-order mark")):
        if data.startswith(bom):
            raise StrictYamlError(1, f"starts with a {name}; save the file as UTF-8 without one")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise StrictYamlError(_line_of_offset(data, nul),
                          "holds NUL bytes (a UTF-16 or binary file?); save it as UTF-8 text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise StrictYamlError(
            _line_of_offset(data, err.start),
            f"is not UTF-8 (byte 0x{data[err.start]:02x} cannot start or continue a "
            "character); save the file as UTF-8",
        ) from None


def parse(data: bytes) -> Document:
    """Read one service file's bytes strictly (see the module docstring)."""
    text = decode(data)
    loader: _Loader | None = None
    try:
        loader = _Loader(text)  # the reader checks every character here already
        node = loader.get_single_node()
    except StrictYamlError:
        raise
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark
        raise StrictYamlError(_line(mark), _yaml_message(err),
                          mark.column + 1 if mark is not None else None) from None
    except yaml.reader.ReaderError as err:
        line = text.count("\n", 0, err.position) + 1
        character: Any = err.character
        code = ord(character) if isinstance(character, str) else int(character or 0)
        raise StrictYamlError(line, f"holds a character YAML does not allow (U+{code:04X}); "
                                "remove it") from None
    except yaml.YAMLError as err:
        raise StrictYamlError(None, f"not valid YAML ({type(err).__name__})") from None
    finally:
        if loader is not None:
            loader.dispose()
    document = Document(data=None)
    if node is not None:
        document = Document(data=_build(node, (), document), lines=document.lines,
                            scalars=document.scalars)
    return document


def _yaml_message(err: yaml.MarkedYAMLError) -> str:
    problem = err.problem or "cannot be parsed"
    # The context points at what was left open (an unclosed '{' or quote), often the cause.
    context, mark = err.context, err.context_mark
    opened = (f"; {context} at line {mark.line + 1}, column {mark.column + 1}"
              if context and mark else "")
    return f"not valid YAML ({problem}{opened})"


def _build(node: Node, path: Path, document: Document) -> Any:
    """Plain Python values from the composed nodes, recording lines and typed scalars."""
    line = node.start_mark.line + 1
    document.lines.setdefault(path, line)
    if isinstance(node, ScalarNode):
        return _scalar(node, path, document)
    if isinstance(node, SequenceNode):
        return [_build(item, (*path, index), document) for index, item in enumerate(node.value)]
    if isinstance(node, MappingNode):
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _key(key_node)
            key_line = key_node.start_mark.line + 1
            if key in mapping:
                first = document.lines[(*path, key)]
                raise StrictYamlError(
                    key_line,
                    f"{_dotted((*path, key))}: key {key!r} appears twice in one mapping (first "
                    f"at line {first}); YAML would keep only the last, so remove one",
                )
            document.lines[(*path, key)] = key_line
            mapping[key] = _build(value_node, (*path, key), document)
        return mapping
    raise StrictYamlError(line, "holds a YAML node of an unknown kind")


def _key(node: Node) -> str:
    line = node.start_mark.line + 1
    if not isinstance(node, ScalarNode):
        raise StrictYamlError(line, "a mapping key must be plain text, not a list or mapping")
    if node.tag == "tag:yaml.org,2002:merge":
        raise StrictYamlError(line, "merge keys (<<) are not allowed; write the fields out")
    if node.tag != "tag:yaml.org,2002:str":
        value = _constructed(node)
        scalar = Scalar(node.value, value, line)
        raise StrictYamlError(line, f"key {node.value} is read by YAML as {scalar.kind}, not as "
                                f"text; quote it: {scalar.quoted}")
    return str(node.value)


def _scalar(node: ScalarNode, path: Path, document: Document) -> Any:
    value = _constructed(node)
    if not isinstance(value, str):
        document.scalars[path] = Scalar(node.value, value, node.start_mark.line + 1)
    return value


def _constructed(node: ScalarNode) -> Any:
    if node.tag == "tag:yaml.org,2002:str":
        return node.value
    build = SafeConstructor.yaml_constructors.get(node.tag)
    try:
        if build is None:
            raise ValueError(node.tag)
        # Called directly, so nothing is cached between files.
        return build(_CONSTRUCTOR, node)
    except (ValueError, OverflowError, ArithmeticError, yaml.YAMLError):
        # e.g. 2024-13-45 (a date that does not exist) or an int of thousands of digits. The
        # value is not shown: it could be a secret.
        kind = node.tag.rsplit(":", 1)[-1]
        raise StrictYamlError(node.start_mark.line + 1,
                          f"this value looks like a YAML {kind} but YAML cannot read it as "
                          "one; quote it if it is text") from None


_CONSTRUCTOR = SafeConstructor()


def _dotted(path: Path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
