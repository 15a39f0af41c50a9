"""CQL2 ``LIKE`` in linear time: no regular expression that can backtrack.

pygeofilter turns ``LIKE`` into one regex (``%`` → ``.*``); with many ``%`` and a text that almost matches, the
regex engine backtracks exponentially (12 ``%`` held a worker for over a minute).  Here a pattern is split at its
``%`` into fixed-length segments (``_`` stands for any one character).  The first segment must sit at the start,
the last at the end, and each middle one is found left-most after the previous: taking the earliest place for a
segment never loses a match, so there is no backtracking and the cost is at most text length × pattern length.
Patterns are capped at :data:`MAX_PATTERN_CHARS`, which makes that linear in the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

#: Longest LIKE pattern a filter may carry (stated in the OpenAPI document).
MAX_PATTERN_CHARS = 256
WILDCARD = "%"
SINGLE_CHAR = "_"
ESCAPE = "\\"


@dataclass(frozen=True)
class LikeMatcher:
    """A compiled LIKE pattern: fixed-length segments between ``%`` wildcards."""

    segments: tuple[re.Pattern[str], ...]
    lengths: tuple[int, ...]
    anchored_start: bool  # the pattern does not begin with %
    anchored_end: bool  # the pattern does not end with %

    def __call__(self, text: str) -> bool:
        if len(text) < sum(self.lengths):
            return False
        segments = list(self.segments)
        pos, end = 0, len(text)
        if self.anchored_start:
            first = segments.pop(0)
            if not segments and self.anchored_end:
                return first.fullmatch(text) is not None
            m = first.match(text)
            if m is None:
                return False
            pos = m.end()
        if self.anchored_end and segments:
            last = segments.pop()
            end = len(text) - self.lengths[-1]
            if end < pos or last.fullmatch(text, end) is None:
                return False
        for segment in segments:
            m = segment.search(text, pos, end)
            if m is None:
                return False
            pos = m.end()
        return True


def compile_like(
    pattern: str, *, nocase: bool = False, wildcard: str = WILDCARD, single: str = SINGLE_CHAR, escape: str = ESCAPE
) -> Callable[[str], bool]:
    """A matcher for ``pattern`` (``%`` any run, ``_`` any one character, ``\\`` escapes); ValueError if too long."""
    if len(pattern) > MAX_PATTERN_CHARS:
        raise ValueError(f"LIKE pattern has {len(pattern)} characters; the limit is {MAX_PATTERN_CHARS}")
    pieces: list[list[str]] = [[]]  # each piece: regex atoms of one fixed-length segment
    chars = iter(pattern)
    for c in chars:
        if c == escape:
            c = next(chars, escape)  # a trailing escape stands for itself
            pieces[-1].append(re.escape(c))
        elif c == wildcard:
            pieces.append([])
        elif c == single:
            pieces[-1].append(".")
        else:
            pieces[-1].append(re.escape(c))
    anchored_start = bool(pieces[0]) or len(pieces) == 1
    anchored_end = bool(pieces[-1]) or len(pieces) == 1
    kept = [p for p in pieces if p] or [[]]  # "%%%" = any text; "" = only the empty text
    flags = re.DOTALL | (re.IGNORECASE if nocase else 0)
    return LikeMatcher(
        segments=tuple(re.compile("".join(p), flags) for p in kept),
        lengths=tuple(len(p) for p in kept),
        anchored_start=anchored_start,
        anchored_end=anchored_end,
    )
