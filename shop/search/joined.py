"""How buyers type Vietnamese: without accents, with syllables joined or split.

"caphe", "ca phe" and "cà phê" must find the same coffee, "nuocmam" the fish sauce, and
"nuoc nam" (one letter off) the fish sauce before "Nấm linh chi". Both backends do it the
same way, with the same two pieces:

- **At index time** the name, producer and context are also indexed as the joined forms of
  each two adjacent folded syllables (`pairs`: "Cà phê phin" → caphe, phephin; PostgreSQL
  adds them to the same vectors, `with_pairs`, Whoosh to fields of their own). A joined word
  typed by a buyer is then a known word, and a pair of words typed apart that the index
  holds joined ("ca phe" → "caphe") is a phrase match, which ranks first.
- **At query time** (`plan`) a word the index does not know is split into known pieces
  ("chethainguyen" → "che thai nguyen"), else corrected to its closest known word within
  one edit (as before); each two adjacent words of the query are joined, and the joined word,
  when known, is a bonus for the products holding the pair as a phrase, or, next to a short
  word, when only a join one edit away is known ("nuocnam" → "nuocmam": two known words, the
  short one wrong), an alternative way to match both words.

The vocabulary is the index's own words (`Vocabulary`): Whoosh's term lists, PostgreSQL's
`search_terms`. A plan asks it at most four questions in all (which candidates are known, the
closest spellings of the unknown words, which joins across split words are known, the
closest spellings of the joins worth correcting), whatever the number of words, so the
PostgreSQL backend runs a bounded number of statements per search.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from shop.search.base import TYPO_MIN_LENGTH, Terms
from shop.text import fold

_WORD = re.compile(r"\w+", re.UNICODE)

# A folded Vietnamese syllable: an initial consonant, one to three vowels, a final consonant.
SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]{1,3}(?:ch|nh|ng|[cmnpt])?"
)
PIECE_MIN, PIECE_MAX = 2, 8  # the length of a piece a joined word may be split into
SPLIT_MAX = 30  # longer unknown words are not split (typed nonsense, pasted text)
PAIR_TYPO_MIN = 6  # a join shorter than this is not corrected ("ca pe" is not "caphe")


def pairs(text: str) -> list[str]:
    """The joined forms of each two adjacent folded words: "Cà phê phin" → caphe, phephin."""
    words = _WORD.findall(fold(text or "").replace("_", " "))
    return [a + b for a, b in zip(words, words[1:], strict=False)]


def with_pairs(text: str) -> str:
    """The text to index: the text itself, then its joined pairs."""
    joined = pairs(text)
    return f"{text} {' '.join(joined)}" if joined else (text or "")


class Vocabulary(Protocol):
    """The words an index holds (its own syllables and their joined pairs)."""

    def known(self, words: set[str]) -> set[str]:
        """Which of these words the index holds."""

    def closest(self, words: list[str], joins: list[str], distance: int) -> dict[str, str]:
        """For each word (each join of two words) that has one, the known word (the known
        join) fewest edits away, within `distance`, with the same first letter."""


@dataclass(frozen=True)
class Word:
    """One word of the query as it will be matched."""

    exact: str  # as typed, lower case (the exact-diacritic bonus); a split piece is folded
    spellings: tuple[str, ...]  # the folded word, then its correction when it is unknown
    known: bool = True  # the index holds the folded word itself

    @property
    def folded(self) -> str:
        return self.spellings[0]


@dataclass(frozen=True)
class Pair:
    """Two adjacent words of the query that the index holds joined (a phrase)."""

    index: int  # words[index] and words[index + 1]
    term: str  # the joined word the index holds
    typed: bool  # True: the join as typed; False: a correction of it (an alternative match)


@dataclass(frozen=True)
class Plan:
    """A query ready for a backend: its words (split, corrected) and its phrase pairs."""

    words: tuple[Word, ...]
    pairs: tuple[Pair, ...]
    has_diacritics: bool

    def __bool__(self) -> bool:
        return bool(self.words)

    @property
    def corrected(self) -> tuple[str, ...]:
        """The words with each correction in place of the word typed."""
        return tuple(w.spellings[-1] for w in self.words)

    @property
    def respelt(self) -> bool:
        """Whether some word has a correction."""
        return any(len(w.spellings) > 1 for w in self.words)

    @property
    def unplaced(self) -> bool:
        """Whether a word of 3+ letters is neither known nor corrected (no suggestion then)."""
        return any(len(w.spellings) == 1 and len(w.folded) >= 3 and not w.known for w in self.words)


def _substrings(word: str) -> set[str]:
    if len(word) > SPLIT_MAX:
        return set()
    return {
        word[i:j]
        for i in range(len(word))
        for j in range(i + PIECE_MIN, min(len(word), i + PIECE_MAX) + 1)
    }


def split(word: str, known: set[str]) -> tuple[str, ...] | None:
    """`word` as two or more known pieces, or None.

    Of the ways to split it, the one with fewest pieces that are not syllables, then fewest
    pieces, then the shorter pieces first ("caphe" → "ca phe" rather than "cap he").
    """
    if len(word) > SPLIT_MAX or len(word) < 2 * PIECE_MIN:
        return None
    best: dict[int, tuple] = {0: ((0, 0, ()), ())}  # end → (cost, pieces)
    for end in range(PIECE_MIN, len(word) + 1):
        options = []
        for start in range(max(0, end - PIECE_MAX), end - PIECE_MIN + 1):
            if start not in best:
                continue
            piece = word[start:end]
            if piece not in known:
                continue
            (odd, count, lengths), pieces = best[start]
            odd += 0 if SYLLABLE.fullmatch(piece) else 1
            options.append(((odd, count + 1, lengths + (len(piece),)), pieces + (piece,)))
        if options:
            best[end] = min(options)
    found = best.get(len(word))
    if found is None or len(found[1]) < 2:
        return None
    return found[1]


def plan(
    terms: Terms,
    vocabulary: Vocabulary,
    distance: int,
    typo_min: int = TYPO_MIN_LENGTH,
) -> Plan:
    """Split, correct and pair the query's words against the index's vocabulary."""
    if not terms:
        return Plan((), (), False)
    typed = list(zip(terms.exact, terms.folded, strict=True))
    candidates = {folded for _exact, folded in typed}
    for _exact, folded in typed:
        if len(folded) >= 2 * PIECE_MIN:
            candidates |= _substrings(folded)
    candidates |= {a + b for (_x, a), (_y, b) in zip(typed, typed[1:], strict=False)}
    known = vocabulary.known(candidates)

    # A misspelt word is corrected ("tuuong" → "tuong"); one with no word an edit away is split
    # into known pieces ("chethainguyen" → che thai nguyen). Correcting first keeps a typo from
    # being split into real but unrelated syllables ("tu uong").
    wrong = sorted({f for _e, f in typed if f not in known and len(f) >= typo_min})
    closest = vocabulary.closest(wrong, [], distance) if wrong and distance else {}
    words = _split_unknown(typed, known | set(closest))

    joins = [a + b for (_x, a), (_y, b) in zip(words, words[1:], strict=False)]
    missing = {j for j in joins if j not in candidates}
    if missing:  # a join across a split word: not among the first candidates
        known |= vocabulary.known(missing)
    odd_joins = _joins_to_correct([f for _e, f in words], known)
    if odd_joins and distance:
        closest |= vocabulary.closest([], odd_joins, distance)

    planned = tuple(
        Word(
            exact,
            (folded, closest[folded]) if folded in closest else (folded,),
            folded in known,
        )
        for exact, folded in words
    )
    found_pairs = []
    for index, join in enumerate(joins):
        if join in known:
            found_pairs.append(Pair(index, join, True))
        elif join in closest:
            found_pairs.append(Pair(index, closest[join], False))
    return Plan(planned, tuple(found_pairs), terms.has_diacritics)


def _split_unknown(typed: list[tuple[str, str]], known: set[str]) -> list[tuple[str, str]]:
    """(exact, folded) words, each unknown one that splits into known pieces as its pieces."""
    words: list[tuple[str, str]] = []
    for exact, folded in typed:
        pieces = None if folded in known else split(folded, known)
        if pieces:
            words.extend((piece, piece) for piece in pieces)
        else:
            words.append((exact, folded))
    return words


def _joins_to_correct(words: list[str], known: set[str]) -> list[str]:
    """The unknown joins worth correcting: between two known words one of which is short
    (fewer than TYPO_MIN_LENGTH letters), since a short syllable is the one mistyped as
    another real one ("nuoc nam" for "nuoc mam"); a word the index lacks is corrected itself.
    """
    return sorted(
        {
            a + b
            for a, b in zip(words, words[1:], strict=False)
            if a in known
            and b in known
            and min(len(a), len(b)) < TYPO_MIN_LENGTH
            and a + b not in known
            and len(a + b) >= PAIR_TYPO_MIN
        }
    )


def vocabulary_terms(texts: Iterable[str]) -> set[str]:
    """The folded words and joined pairs of these texts (PostgreSQL's `search_terms`)."""
    found: set[str] = set()
    for text in texts:
        found.update(_WORD.findall(fold(text or "").replace("_", " ")))
        found.update(pairs(text))
    return found
