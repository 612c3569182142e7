"""The one way YAML files are read: safe, bounded, strict about keys.

:func:`load_yaml` reads the scenario files, the ``--priors`` files and any other
YAML the package takes from a user. Compared with ``yaml.safe_load`` it

- refuses files larger than :data:`~forecast.constants.MAX_YAML_BYTES` and more than
  :data:`~forecast.constants.MAX_YAML_ALIASES` aliases (``*name``): a "billion laughs"
  alias bomb of a few hundred bytes would otherwise exhaust memory;
- refuses a key that appears twice in the same mapping (``horizon: 12`` then
  ``horizon: 24``), naming the key and both lines, where PyYAML keeps the last;
- keeps dates as text (``2026-02-28`` and ``2026-02-30`` both load as strings), so
  that the caller validates them with a proper message instead of PyYAML raising
  ``ValueError`` on an impossible date;
- refuses a document that is not a mapping;
- turns every OS, decoding and YAML error into a :class:`ConfigError` naming the
  file, the line and column when known, and the fix;
- returns a :class:`YamlMapping`, which knows the line of each key, so that a value the
  caller refuses later is reported with its line too (:func:`located`).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from forecast.constants import MAX_YAML_ALIASES, MAX_YAML_BYTES
from forecast.errors import ConfigError, folder_problem

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"


class _DuplicateKey(Exception):
    def __init__(self, key, first: int, again: int, column: int) -> None:
        super().__init__(key)
        self.key, self.first, self.again, self.column = key, first, again, column


class _TooManyAliases(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class StrictLoader(yaml.SafeLoader):
    """``SafeLoader`` without implicit timestamps, refusing duplicate keys and alias bombs."""

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self.aliases_seen = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self.aliases_seen += 1
            if self.aliases_seen > MAX_YAML_ALIASES:
                raise _TooManyAliases(self.peek_event().start_mark.line + 1)
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, _ in node.value:
                if key_node.tag == _MERGE:
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:  # unhashable key: PyYAML says so below
                    continue
                line = key_node.start_mark.line + 1
                if first is not None:
                    raise _DuplicateKey(key, first, line, key_node.start_mark.column + 1)
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


class YamlMapping(dict):
    """A YAML file's top-level mapping that also knows where each key is.

    Attributes
    ----------
    lines : dict of str to int
        The line of each key, by its dotted path (``"scenarios.talks_resume.states.2026-03"``),
        and of each list item, by its index (``"questions.0"``).
    """

    def __init__(self, data: dict, lines: dict[str, int]) -> None:
        super().__init__(data)
        self.lines = lines


#: Most keys whose lines are kept (a file within :data:`MAX_YAML_BYTES` has far fewer).
_MAX_KEY_LINES = 10_000


def _key_lines(root) -> dict[str, int]:
    """The line of every key and list item under a composed YAML node, by dotted path (a
    node reached again through an alias is not walked twice)."""
    lines: dict[str, int] = {}
    stack = [(root, "")]
    seen: set[int] = set()
    while stack and len(lines) < _MAX_KEY_LINES:
        node, prefix = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            items = [(k.value, k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)]
        elif isinstance(node, yaml.SequenceNode):
            items = [(str(i), item, item) for i, item in enumerate(node.value)]
        else:
            continue
        for name, where, child in items:
            path = f"{prefix}.{name}" if prefix else name
            lines.setdefault(path, where.start_mark.line + 1)
            stack.append((child, path))
    return lines


#: How a message names the key it is about: ``key 'scenarios.a.states.2026-03': ...``.
_KEY_PATH = re.compile(r"key '([^']+)'")


def located(error: ConfigError, spec, path: str | None = None) -> ConfigError:
    """``error`` with the line of the key it is about, when it has no line yet.

    Parameters
    ----------
    error : ConfigError
        Raised while checking the values of ``spec``.
    spec : YamlMapping or dict
        What :func:`load_yaml` returned (a plain dict has no lines: ``error`` is returned).
    path : str, optional
        The key's dotted path; default: the error's :attr:`~forecast.errors.InputError.key`,
        else the one its message names as ``key '...'``. A path the file does not hold is
        looked up by its nearest enclosing key.

    Returns
    -------
    ConfigError
        The same message, file and fix, with the line.
    """
    lines = getattr(spec, "lines", None)
    if error.rows or not lines:
        return error
    path = path or error.key
    if path is None:
        match = _KEY_PATH.search(error.problem)
        if match is None:
            return error
        path = match.group(1)
    parts = re.sub(r"\[(\d+)\]", r".\1", path).split(".")  # conditions[0] -> conditions.0
    while parts:
        line = lines.get(".".join(parts))
        if line is not None:
            return type(error)(error.file, error.problem, error.fix, [line], error.column, path)
        parts.pop()
    return error


# Dates stay strings: drop the implicit timestamp resolver from our loader only.
StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# 1e-3 is a number, as in YAML 1.2 (YAML 1.1, which PyYAML follows, needs a dot: 1.0e-3)
StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)


def load_yaml_text(text: str, source: str, what: str = "YAML file", example: str = "") -> dict:
    """Parse YAML text with :class:`StrictLoader`; see :func:`load_yaml`."""
    fix = f"write a YAML mapping of keys to values{f', e.g. {example}' if example else ''}"
    if len(text.encode("utf-8", errors="replace")) > MAX_YAML_BYTES:
        raise ConfigError(
            source,
            f"the {what} is larger than {MAX_YAML_BYTES:,} bytes",
            "a scenario or priors file is a few hundred bytes: check that this is the right file",
        )
    try:
        loader = StrictLoader(text)
        try:  # composed once: the data and the keys' lines come from the same nodes
            root = loader.get_single_node()
            loaded = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except _DuplicateKey as err:
        raise ConfigError(
            source,
            f"key {err.key!r} appears twice in the same mapping (lines {err.first} and "
            f"{err.again}); YAML would silently keep the last one",
            "keep one of them and delete the other",
            rows=[err.again],
        ) from None
    except _TooManyAliases as err:
        raise ConfigError(
            source,
            f"more than {MAX_YAML_ALIASES} YAML aliases (*name)",
            "write the values out instead of repeating them through anchors and aliases",
            rows=[err.line],
        ) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ConfigError(
            source,
            f"not valid YAML ({problem}"
            + (f", column {mark.column + 1}" if mark is not None else "")
            + ")",
            "check the indentation, colons and quotes" + (f"; {fix}" if example else ""),
            rows=[mark.line + 1] if mark is not None else None,
        ) from None
    except (RecursionError, MemoryError):
        raise ConfigError(
            source, "the YAML nests too deeply", "write a flat mapping of keys to values"
        ) from None
    if loaded is None:
        raise ConfigError(source, f"the {what} is empty", fix)
    if not isinstance(loaded, dict):
        raise ConfigError(
            source, f"the {what} is a YAML {type(loaded).__name__}, not a mapping", fix
        )
    return YamlMapping(loaded, _key_lines(root))


def load_yaml(path: str | Path, what: str = "YAML file", example: str = "") -> dict:
    """Read a user's YAML file safely and return its top-level mapping.

    Parameters
    ----------
    path : str or Path
        The file.
    what : str
        What the file is, for messages (``"scenario file"``, ``"priors file"``).
    example : str
        A short example of valid content, shown in the fix of a malformed file.

    Returns
    -------
    YamlMapping
        The mapping (dates as strings), with the line of each key.

    Raises
    ------
    ConfigError
        File missing or unreadable, too large, not UTF-8, not valid YAML, duplicate
        keys, too many aliases, or not a mapping; naming the file, line and fix.
    """
    path = Path(path)
    try:
        if not path.exists():
            raise ConfigError(path, f"{what} not found", "check the path")
        if path.is_dir():
            raise ConfigError(path, folder_problem(path, what), "give the path of the YAML file")
        if not path.is_file():
            raise ConfigError(
                path, f"the {what} is not a regular file (a device or pipe?)", "give a YAML file"
            )
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            raise ConfigError(
                path,
                f"the {what} is {size:,} bytes, larger than {MAX_YAML_BYTES:,}",
                "a scenario or priors file is a few hundred bytes: check that this is the "
                "right file",
            )
        with path.open("rb") as fh:
            raw = fh.read(MAX_YAML_BYTES + 1)
    except OSError as err:
        raise ConfigError(
            path,
            f"cannot read the {what} ({err.strerror or err})",
            "check that the file exists and that you may read it",
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ConfigError(
            path,
            f"the {what} is not UTF-8 text (byte 0x{raw[err.start]:02x})",
            "save it as UTF-8 text",
            rows=[raw[: err.start].count(b"\n") + 1],
        ) from None
    if "\x00" in text:
        raise ConfigError(path, f"the {what} holds binary data (NUL bytes)", "give a text file")
    return load_yaml_text(text, str(path), what=what, example=example)
