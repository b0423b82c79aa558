"""The search interface shared by the Whoosh and PostgreSQL backends."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Protocol

from shop.text import fold

SORTS = ("relevance", "price_asc", "price_desc", "newest", "stars")
PRICE_BANDS = ((0, 99_999), (100_000, 199_999), (200_000, 499_999), (500_000, None))
MAX_QUERY_LENGTH = 100
MAX_QUERY_WORDS = 6
_WORD = re.compile(r"\w+", re.UNICODE)

# How much each field counts: the product's name over its producer's name, over its product
# set and province, over its description. An exact-diacritic match of the name counts most.
FIELD_WEIGHTS = {
    "name_exact": 8.0,
    "name": 5.0,
    "producer": 2.5,
    "context": 1.5,
    "description": 0.6,
}

# Typos: an unknown word of at least TYPO_MIN_LENGTH letters also matches the closest known
# word within TYPO_DISTANCE edits; "did you mean" looks further, within SUGGEST_DISTANCE.
TYPO_MIN_LENGTH = 4
TYPO_DISTANCE = 1
SUGGEST_DISTANCE = 2
FEW_RESULTS = 3


@dataclass(frozen=True)
class Terms:
    """A query split into words, as typed (lower case) and folded (no diacritics, đ → d)."""

    exact: tuple[str, ...]
    folded: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Terms:
        words = _WORD.findall((text or "")[:MAX_QUERY_LENGTH].lower())[:MAX_QUERY_WORDS]
        words = [w.replace("_", "") for w in words if w.replace("_", "")]
        return cls(tuple(words), tuple(fold(w) for w in words))

    @property
    def has_diacritics(self) -> bool:
        return self.exact != self.folded

    def __bool__(self) -> bool:
        return bool(self.folded)


@dataclass(frozen=True)
class SearchQuery:
    """A search with its filters, sort and page; `today` decides what is still valid."""

    text: str
    today: dt.date
    stars: tuple[int, ...] = ()
    product_set: int | None = None
    group: str | None = None
    province: int | None = None
    price_min: int | None = None
    price_max: int | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 24

    @property
    def terms(self) -> Terms:
        return Terms.parse(self.text)


@dataclass
class SearchResult:
    """Ordered product ids of one page, the total, facet counts and a spelling suggestion."""

    ids: list[int]
    total: int
    facets: dict[str, list[tuple[object, int]]] = field(default_factory=dict)
    suggestion: str | None = None


@dataclass(frozen=True)
class Suggestion:
    """One autocomplete entry."""

    kind: str  # "product" or "producer"
    name: str
    slug: str


class SearchBackend(Protocol):
    """What each backend provides. Listability is enforced by the caller on every result."""

    name: str

    def index(self, documents: list[dict]) -> None:
        """Add or replace these product documents."""

    def remove(self, product_ids: list[int]) -> None:
        """Drop these products from the index (unknown ids are ignored)."""

    def search(self, query: SearchQuery) -> SearchResult:
        """Matching listable product ids for one page, with facets."""

    def suggest(self, text: str, today: dt.date, limit: int) -> list[Suggestion]:
        """Product names that complete what has been typed so far."""

    def indexed_ids(self) -> set[int]:
        """Every product id the index holds (for `flask search check`)."""

    def clear(self) -> None:
        """Empty the index before a rebuild."""


def price_band(price: int) -> int:
    """The index of the price band a price falls in."""
    for index, (low, high) in enumerate(PRICE_BANDS):
        if price >= low and (high is None or price <= high):
            return index
    return 0
