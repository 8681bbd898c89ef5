"""Small grammars over characters, compiled to automata that constrain beam search.

A grammar is written with a few combinators (:func:`words`, :func:`seq`, :func:`alt`,
:func:`opt`, :func:`rep`), compiled once to a Thompson NFA (a word list becomes a trie) and
determinised lazily: an :class:`Automaton` state is a small int standing for a set of NFA states,
created the first time a decoder reaches it and cached. An :class:`Automaton` implements the
``Constraint`` protocol of :mod:`ocr.htr.constraints`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable, Iterable, Union


@dataclass(frozen=True, eq=False)
class Words:
    """Any one of ``words`` (compiled to a trie)."""

    words: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Seq:
    parts: tuple["Node", ...]


@dataclass(frozen=True, eq=False)
class Alt:
    options: tuple["Node", ...]


@dataclass(frozen=True, eq=False)
class Repeat:
    """``lo`` to ``hi`` (None: any number of) copies of ``node``, with ``sep`` between them."""

    node: "Node"
    lo: int
    hi: int | None
    sep: "Node | None" = None


Node = Union[Words, Seq, Alt, Repeat]
Part = Union[Node, str]


def _node(p: Part) -> Node:
    return Words((p,)) if isinstance(p, str) else p


def words(items: Iterable[str]) -> Words:
    """Any one of the strings (duplicates are harmless)."""
    return Words(tuple(dict.fromkeys(items)))


def chars(text: str) -> Words:
    """Any one character of ``text``."""
    return words(text)


def seq(*parts: Part) -> Seq:
    """The parts one after the other (a str is a literal)."""
    return Seq(tuple(_node(p) for p in parts))


def alt(*options: Part) -> Alt:
    """Any one of the options."""
    return Alt(tuple(_node(p) for p in options))


def opt(part: Part) -> Repeat:
    return Repeat(_node(part), 0, 1)


def rep(part: Part, lo: int = 0, hi: int | None = None, sep: Part | None = None) -> Repeat:
    """``lo`` to ``hi`` copies (``hi=None``: unbounded), separated by ``sep``. Unbounded
    repetitions with ``lo <= 1`` compile ``part`` once; bounded ones unroll it."""
    if lo < 0 or (hi is not None and hi < max(lo, 1)):
        raise ValueError(f"bad repetition bounds {lo}..{hi}")
    return Repeat(_node(part), lo, hi, None if sep is None else _node(sep))


# --- NFA -----------------------------------------------------------------------------------


class _NFA:
    """States with character edges (``edges[s][ch] -> targets``) and epsilon edges."""

    def __init__(self) -> None:
        self.edges: list[dict[str, list[int]]] = []
        self.eps: list[list[int]] = []

    def new(self) -> int:
        self.edges.append({})
        self.eps.append([])
        return len(self.eps) - 1

    def link(self, a: int, b: int) -> None:
        self.eps[a].append(b)

    def build(self, node: Node) -> tuple[int, int]:
        """Compile ``node``; returns its (start, end) states."""
        if isinstance(node, Words):
            return self._trie(node.words)
        if isinstance(node, Seq):
            return self._chain([self.build(p) for p in node.parts])
        if isinstance(node, Alt):
            s, e = self.new(), self.new()
            for o in node.options:
                os_, oe = self.build(o)
                self.link(s, os_)
                self.link(oe, e)
            return s, e
        return self._repeat(node)

    def _trie(self, items: tuple[str, ...]) -> tuple[int, int]:
        s, e = self.new(), self.new()
        for w in items:
            cur = s
            for ch in w:
                nxt = self.edges[cur].get(ch)
                if nxt is None:
                    nxt = [self.new()]
                    self.edges[cur][ch] = nxt
                cur = nxt[0]
            if e not in self.eps[cur]:
                self.link(cur, e)
        return s, e

    def _chain(self, frags: list[tuple[int, int]]) -> tuple[int, int]:
        if not frags:
            s = self.new()
            return s, s
        for (_, a_end), (b_start, _) in zip(frags, frags[1:]):
            self.link(a_end, b_start)
        return frags[0][0], frags[-1][1]

    def _repeat(self, node: Repeat) -> tuple[int, int]:
        item, sep = node.node, node.sep
        if node.lo == 0 and node.hi is None:  # none, or one or more: never a leading separator
            s, e = self.new(), self.new()
            bs, be = self._repeat(Repeat(item, 1, None, sep))
            self.link(s, bs)
            self.link(be, e)
            self.link(s, e)
            return s, e
        if node.lo == 1 and node.hi is None:  # one copy of the item in a loop
            s, e = self.new(), self.new()
            bs, be = self.build(item)
            self.link(s, bs)
            self.link(be, e)
            if sep is None:
                self.link(e, bs)
            else:
                ss, se = self.build(sep)
                self.link(e, ss)
                self.link(se, bs)
            return s, e
        sep_item = Seq((sep, item)) if sep is not None else item
        frags = [self.build(item if i == 0 else sep_item) for i in range(node.lo)]
        start, end = self._chain(frags)
        if node.hi is None:  # lo >= 2: then any number of separator + item
            ls, le = self._repeat(Repeat(sep_item, 0, None))
            self.link(end, ls)
            return start, le
        exit_ = self.new()
        self.link(end, exit_)
        cur = end
        for i in range(node.hi - node.lo):
            s, e = self.build(item if node.lo == 0 and i == 0 else sep_item)
            self.link(cur, s)
            self.link(e, exit_)
            cur = e
        return start, exit_


# --- lazy determinisation ------------------------------------------------------------------

_UNSEEN = -2  # a transition not computed yet; -1 is a dead end


class Automaton:
    """A deterministic automaton over characters, built lazily from a grammar.

    States are ints; ``start()``, ``allowed(state)``, ``step(state, char)`` (None: not allowed)
    and ``can_end(state)`` make it a ``Constraint``. Thread-safe."""

    def __init__(self, grammar: Node, name: str = "grammar", prior: Callable[[str], float] | None = None) -> None:
        self.name = name
        self.prior = prior  # log-prior of an accepted text, added to its score when readings are ranked
        self._nfa = _NFA()
        start, end = self._nfa.build(grammar)
        self._init(self._nfa, frozenset([start]), frozenset([end]))

    def _init(self, nfa: _NFA, starts: frozenset[int], finals: frozenset[int]) -> None:
        self._nfa, self._finals = nfa, finals
        self._lock = threading.Lock()
        self._sets: list[frozenset[int]] = []
        self._ids: dict[frozenset[int], int] = {}
        self._next: list[dict[str, int]] = []
        self._allowed: list[frozenset[str] | None] = []
        self._final: list[bool] = []
        self._fragment: Automaton | None = None
        self._start = self._intern(self._closure(starts))

    def __repr__(self) -> str:
        return f"Automaton({self.name!r}, {len(self._nfa.eps)} NFA states, {len(self._sets)} seen)"

    def _closure(self, states: Iterable[int]) -> frozenset[int]:
        eps = self._nfa.eps
        seen = set(states)
        stack = list(seen)
        while stack:
            for t in eps[stack.pop()]:
                if t not in seen:
                    seen.add(t)
                    stack.append(t)
        return frozenset(seen)

    def _intern(self, states: frozenset[int]) -> int:
        sid = self._ids.get(states)
        if sid is None:
            sid = len(self._sets)
            self._sets.append(states)
            self._next.append({})
            self._allowed.append(None)
            self._final.append(not self._finals.isdisjoint(states))
            self._ids[states] = sid
        return sid

    # -- the Constraint protocol --

    def start(self) -> int:
        return self._start

    def allowed(self, state: int) -> frozenset[str]:
        out = self._allowed[state]
        if out is None:
            edges = self._nfa.edges
            out = frozenset(ch for s in self._sets[state] for ch in edges[s])
            self._allowed[state] = out
        return out

    def step(self, state: int, char: str) -> int | None:
        nxt = self._next[state].get(char, _UNSEEN)
        if nxt == _UNSEEN:
            with self._lock:
                edges = self._nfa.edges
                targets = [t for s in self._sets[state] for t in edges[s].get(char, ())]
                nxt = self._intern(self._closure(targets)) if targets else -1
                self._next[state][char] = nxt
        return None if nxt < 0 else nxt

    def can_end(self, state: int) -> bool:
        return self._final[state]

    # -- variants --

    def fragment(self) -> "Automaton":
        """The automaton of any piece of an accepted text cut at spaces: it may start after any
        space and end before any space (a line of a field written over several lines)."""
        if self._fragment is None:
            nfa = self._nfa
            after = {t for e in nfa.edges if " " in e for t in e[" "]}
            before = {s for s, e in enumerate(nfa.edges) if " " in e}
            frag = Automaton.__new__(Automaton)
            frag.name, frag.prior = f"{self.name} (fragment)", None  # a piece of a text has no prior
            frag._init(nfa, self._sets[self._start] | after, self._finals | before)
            self._fragment = frag
        return self._fragment
