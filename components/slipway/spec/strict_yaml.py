"""One strict reading of YAML for the whole catalog.

A service file is a small mapping a person reviews. Everything YAML can do beyond that is a way
to make the reviewed text differ from what is deployed, or to make the loader hang, so it is
refused here, before any value reaches the model:

- bytes that are not UTF-8 (UTF-16, UTF-32, Latin-1, a byte-order mark, NUL bytes);
- characters that make the file read differently from what it does: line breaks YAML obeys but
  editors do not show (U+0085, U+2028, U+2029), invisible and bidirectional formatting, and
  (in a value, escapes read) control characters other than tab and line feed;
- files larger than `MAX_FILE_BYTES`;
- explicit tags (`!!binary`, `!!python/...`, any `!tag`): they change how text is read;
- anchors and aliases: a few hundred bytes of aliases expand into gigabytes;
- nesting deeper than `MAX_DEPTH` (the checks downstream walk values recursively);
- duplicate keys in one mapping (the last silently wins, so a reviewer sees the first);
- keys that are not text (`on:` is the boolean true in YAML 1.1), or YAML merge keys (`<<`);
- scalars YAML cannot build (a date like 2024-13-45, a number of 5000 digits).

Events come from LibYAML (linear time) and the document is built with an explicit stack, so no
input makes the reader recurse or take more than a moment. Every refusal names the line. The
reader also keeps, for each plain scalar that YAML turned
into something other than text, what the user typed (`Scalar`), so that checks downstream can
say "YAML reads NO as the boolean false" and suggest the quoted form of exactly what was typed.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

MAX_FILE_BYTES = 128 * 1024
"""A real service file is a few KiB; 128 KiB leaves room and bounds the time to read one."""
MAX_DEPTH = 24
"""The spec nests at most 6 levels; 24 leaves room and bounds every recursive walk of a value."""

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
    quoted: set[Path] = field(default_factory=set)
    """Every scalar written in quotes (or as a block), by its path: text the user chose."""

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
        raise StrictYamlError(None, f"is over the {MAX_FILE_BYTES} byte limit for one service "
                                    "file")
    for bom, name in ((b"\xff\xfe\x00\x00", "UTF-32 byte-order mark"),
                      (b"\x00\x00\xfe\xff", "UTF-32 byte-order mark"),
                      (b"\xef\xbb\xbf", "UTF-8 byte-order mark"),
                      (b"\xff\xfe", "UTF-16 byte-order mark"),
                      (b"\xfe\xff", "UTF-16 byte-order mark")):
        if data.startswith(bom):
            raise StrictYamlError(1, f"starts with a {name}; save the file as UTF-8 without one")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise StrictYamlError(_line_of_offset(data, nul),
                          "holds NUL bytes (a UTF-16 or binary file?); save it as UTF-8 text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise StrictYamlError(
            _line_of_offset(data, err.start),
            f"is not UTF-8 (byte 0x{data[err.start]:02x} cannot start or continue a "
            "character); save the file as UTF-8",
        ) from None
    hidden = _HIDDEN.search(text)
    if hidden is not None:
        line = text.count("\n", 0, hidden.start()) + 1
        code = ord(hidden.group())
        what = ("a line break YAML obeys but many editors and diff views do not show"
                if code in (0x85, 0x2028, 0x2029) else
                "a character that changes the direction or visibility of text")
        raise StrictYamlError(line, f"holds U+{code:04X}, {what}, so the file would read "
                                    "differently from what it does; remove it")
    return text


# Characters that make a reviewer see something else than the parser reads: line breaks of
# YAML 1.1 that editors do not break at, and bidirectional or invisible formatting
# ("Trojan Source").
_HIDDEN = re.compile("[\u0085\u2028\u2029\u200b-\u200f\u202a-\u202e\u2060-\u2064"
                     "\u2066-\u2069\ufeff]")


# LibYAML's parser when pyyaml was built with it: the pure-Python scanner is quadratic in a
# long flow sequence ([a, a, ...] of 100 KiB takes seconds), LibYAML is linear. Same events.
_PARSER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER = Resolver()
_CONSTRUCTOR = SafeConstructor()


@dataclass
class _Open:
    """A mapping or sequence being built."""

    value: dict[str, Any] | list[Any]
    path: Path
    key: str | None = None
    """In a mapping: the key whose value comes next (None: a key comes next)."""


def parse(data: bytes) -> Document:
    """Read one service file's bytes strictly (see the module docstring).

    The document is built from the parser's events with an explicit stack, never by recursion,
    and refusals happen at the event, before anything after it is even parsed."""
    text = decode(data)
    document = Document(data=None)
    parser = _PARSER(text)
    try:
        root = _compose(parser, document)
    except StrictYamlError:
        raise
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark
        raise StrictYamlError(_line(mark), _yaml_message(err, text),
                              mark.column + 1 if mark is not None else None) from None
    except yaml.reader.ReaderError as err:
        line = text.count("\n", 0, max(err.position, 0)) + 1
        character: Any = err.character
        code = ord(character) if isinstance(character, str) else int(character or 0)
        raise StrictYamlError(line, f"holds a character YAML does not allow (U+{code:04X}); "
                                    "remove it") from None
    except yaml.YAMLError as err:
        raise StrictYamlError(None, f"not valid YAML ({type(err).__name__})") from None
    finally:
        parser.dispose()
    return Document(data=root, lines=document.lines, scalars=document.scalars,
                    quoted=document.quoted)


def _compose(parser: Any, document: Document) -> Any:
    stack: list[_Open] = []
    root: Any = None
    documents = 0
    while parser.check_event():
        event = parser.get_event()
        line = _line(event.start_mark)
        if isinstance(event, (StreamStartEvent, StreamEndEvent, DocumentEndEvent)):
            continue
        if isinstance(event, DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise StrictYamlError(line, "holds a second YAML document (after ---); a "
                                            "service file is one mapping")
            continue
        if isinstance(event, (MappingEndEvent, SequenceEndEvent)):
            done = stack.pop()
            root = _attach(stack, done.value, root)
            continue
        _refuse_anchors_and_tags(event, line)
        top = stack[-1] if stack else None
        if top is not None and isinstance(top.value, dict) and top.key is None:
            top.key = _key(event, top, document, line)
            continue
        path = _child_path(top)
        document.lines.setdefault(path, line or 0)
        if isinstance(event, ScalarEvent):
            root = _attach(stack, _scalar(event, path, document), root)
        elif isinstance(event, (MappingStartEvent, SequenceStartEvent)):
            if len(stack) >= MAX_DEPTH:
                raise StrictYamlError(line, f"nested more than {MAX_DEPTH} levels deep; a "
                                            "service file never needs that")
            stack.append(_Open({} if isinstance(event, MappingStartEvent) else [], path))
        else:  # AliasEvent is refused above; nothing else carries a value
            raise StrictYamlError(line, "holds a YAML event of an unknown kind")
    return root


def _refuse_anchors_and_tags(event: Any, line: int | None) -> None:
    if isinstance(event, AliasEvent):
        # The names are not printed: nothing in the file may be echoed unless it is needed.
        raise StrictYamlError(line, "an alias (*name): anchors and aliases are not allowed "
                                    "(they hide what a value is, and can expand without bound); "
                                    "write the value out")
    if getattr(event, "anchor", None) is not None:
        raise StrictYamlError(line, "an anchor (&name): anchors and aliases are not "
                                    "allowed; write the value out where it is used")
    if getattr(event, "tag", None) is not None:
        raise StrictYamlError(line, f"tag {_short_tag(event.tag)}: explicit YAML tags are not "
                                    "allowed; write plain values (quote text)")


def _child_path(top: _Open | None) -> Path:
    if top is None:
        return ()
    if isinstance(top.value, list):
        return (*top.path, len(top.value))
    assert top.key is not None
    return (*top.path, top.key)


def _attach(stack: list[_Open], value: Any, root: Any) -> Any:
    """Put a finished value into its parent; return the document root."""
    if not stack:
        return value
    top = stack[-1]
    if isinstance(top.value, list):
        top.value.append(value)
    else:
        assert top.key is not None
        top.value[top.key] = value
        top.key = None
    return root


def _key(event: Any, top: _Open, document: Document, line: int | None) -> str:
    if not isinstance(event, ScalarEvent):
        raise StrictYamlError(line, "a mapping key must be plain text, not a list or mapping")
    _check_text(event.value, line)
    tag = _resolve(event)
    if tag == "tag:yaml.org,2002:merge":
        raise StrictYamlError(line, "merge keys (<<) are not allowed; write the fields out")
    if tag != "tag:yaml.org,2002:str":
        scalar = Scalar(event.value, _constructed(event, tag, line), line or 0)
        raise StrictYamlError(line, f"key {event.value} is read by YAML as {scalar.kind}, not "
                                    f"as text; quote it: {scalar.quoted}")
    key = str(event.value)
    mapping = top.value
    assert isinstance(mapping, dict)
    if key in mapping:
        first = document.lines[(*top.path, key)]
        raise StrictYamlError(
            line,
            f"{_dotted((*top.path, key))}: key {key!r} appears twice in one mapping (first at "
            f"line {first}); YAML would keep only the last, so remove one",
        )
    document.lines[(*top.path, key)] = line or 0
    # Reserve the key now, so a duplicate is caught even before the first value is complete.
    mapping[key] = None
    return key


def _resolve(event: Any) -> str:
    """The tag YAML 1.1 gives a scalar: str when quoted, else by its look (bool, int, ...)."""
    tag: str = _RESOLVER.resolve(  # type: ignore[no-untyped-call]
        ScalarNode, event.value, event.implicit)
    return tag


# What a value may not hold once YAML's escapes are read ("\\0", "\\e", "\\u202e"): control
# characters other than tab and line feed (an environment variable cannot carry a NUL, a
# terminal obeys ESC) and the characters `_HIDDEN` refuses in the raw text.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _check_text(value: str, line: int | None) -> None:
    found = _CONTROL.search(value) or _HIDDEN.search(value)
    if found is not None:
        code = ord(found.group())
        what = ("a control character" if _CONTROL.match(found.group()) else
                "a character that changes how the text reads")
        raise StrictYamlError(line, f"a value holds U+{code:04X}, {what} (written as an "
                                    "escape?); write plain text")


def _scalar(event: Any, path: Path, document: Document) -> Any:
    tag = _resolve(event)
    line = _line(event.start_mark)
    _check_text(event.value, line)
    value = _constructed(event, tag, line)
    if not isinstance(value, str):
        document.scalars[path] = Scalar(event.value, value, line or 0)
    elif not event.implicit[0]:
        document.quoted.add(path)
    return value


def _constructed(event: Any, tag: str, line: int | None) -> Any:
    if tag == "tag:yaml.org,2002:str":
        return event.value
    build = SafeConstructor.yaml_constructors.get(tag)
    node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
    try:
        if build is None:
            raise ValueError(tag)
        # Called directly, so nothing is cached between files.
        return build(_CONSTRUCTOR, node)
    except (ValueError, OverflowError, ArithmeticError, yaml.YAMLError):
        # e.g. 2024-13-45 (a date that does not exist) or an int of thousands of digits. The
        # value is not shown: it could be a secret.
        kind = tag.rsplit(":", 1)[-1]
        raise StrictYamlError(line, f"this value looks like a YAML {kind} but YAML cannot read "
                                    "it as one; quote it if it is text") from None


def _yaml_message(err: yaml.MarkedYAMLError, text: str) -> str:
    problem = err.problem or "cannot be parsed"
    mark = err.problem_mark
    lines = text.splitlines()
    if mark is not None and mark.line < len(lines) and "\t" in lines[mark.line][:mark.column + 1]:
        problem += " (a tab: YAML indents with spaces only)"
    # The context points at what was left open (an unclosed '{' or quote), often the cause.
    context, mark = err.context, err.context_mark
    opened = (f"; {context} at line {mark.line + 1}, column {mark.column + 1}"
              if context and mark else "")
    return f"not valid YAML ({problem}{opened})"


def _dotted(path: Path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
