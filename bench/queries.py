"""The benchmark's fixed query set, generated deterministically from the catalogue's words.

Kinds: `plain` (one to four words, half typed without diacritics), `misspelt` (one letter
changed, dropped or doubled), `filtered` (words plus stars / province / product set / price
band), `sorted` (words sorted by price, sometimes filtered), `browse` (filters only, no words:
the search page accepts that too) and the autocomplete prefixes for suggest().
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from bench.vocab import FAMOUS, SPECIALTIES, Specialty
from shop import geo
from shop.search.base import PRICE_BANDS, SearchQuery
from shop.text import fold

KINDS = ("plain", "misspelt", "filtered", "sorted", "browse")
SHARES = {"plain": 35, "misspelt": 20, "filtered": 25, "sorted": 12, "browse": 8}
WORD_COUNTS = ((1, 25), (2, 35), (3, 25), (4, 15))
STAR_CHOICES = ((5,), (4, 5), (3,), (4,))
LETTERS = "abcdeghiklmnopqrstuvxy"
PRODUCER_WORDS = ("hợp tác xã", "công ty", "tổ hợp tác", "hộ kinh doanh", "htx", "cơ sở")


@dataclass(frozen=True)
class BenchQuery:
    """One search of the benchmark and its kind."""

    kind: str
    text: str
    stars: tuple[int, ...] = ()
    product_set: int | None = None
    province: int | None = None
    price_min: int | None = None
    price_max: int | None = None
    sort: str = "relevance"

    def search_query(self, today: dt.date) -> SearchQuery:
        return SearchQuery(
            text=self.text,
            today=today,
            stars=self.stars,
            product_set=self.product_set,
            province=self.province,
            price_min=self.price_min,
            price_max=self.price_max,
            sort=self.sort,
        )

    def label(self) -> str:
        filters = [
            f"{name}={value}"
            for name, value in (
                ("stars", ",".join(map(str, self.stars))),
                ("set", self.product_set),
                ("province", self.province),
                ("price", _price_label(self.price_min, self.price_max)),
                ("sort", "" if self.sort == "relevance" else self.sort),
            )
            if value not in (None, "")
        ]
        return f"{self.text!r}" + (f" [{' '.join(filters)}]" if filters else "")


def _price_label(low: int | None, high: int | None) -> str:
    if low is None and high is None:
        return ""
    return f"{low or 0}-{high if high is not None else ''}"


def _weighted(rng: random.Random, pairs):
    return rng.choices([value for value, _ in pairs], weights=[w for _, w in pairs])[0]


def _specialty(rng: random.Random) -> Specialty:
    return rng.choices(SPECIALTIES, weights=[s.weight for s in SPECIALTIES])[0]


def _single_words(spec: Specialty) -> list[str]:
    words = [b for b in spec.bases if " " not in b]
    words += [s for s in spec.subs if " " not in s and len(s) >= 3]
    words += [p for p in spec.places if " " not in p]
    return words or [spec.bases[0]]


def _phrase(rng: random.Random) -> tuple[str, Specialty]:
    """Words a shopper might type: a product word with a variety, a process or a place."""
    spec = _specialty(rng)
    count = _weighted(rng, WORD_COUNTS)
    if count == 1:
        return rng.choice(_single_words(spec)).lower(), spec
    base = rng.choice(spec.bases)
    extras = {
        "sub": rng.choice(spec.subs) if spec.subs else "",
        "style": rng.choice(spec.styles),
        "place": rng.choice(spec.places),
    }
    shape = rng.choice((("sub",), ("style",), ("place",), ("sub", "place"), ("sub", "style")))
    words = " ".join([base, *(extras[part] for part in shape)]).lower().split()
    return " ".join(words[:count]), spec


def _typed(rng: random.Random, text: str) -> str:
    """Half the shoppers type without diacritics."""
    return fold(text) if rng.random() < 0.5 else text


def _misspell(rng: random.Random, text: str) -> str | None:
    """One letter of one long enough word changed, dropped or doubled; None if none fits."""
    words = text.split()
    candidates = [i for i, w in enumerate(words) if len(w) >= 4]
    if not candidates:
        return None
    index = rng.choice(candidates)
    word = words[index]
    at = rng.randrange(1, len(word))  # shoppers rarely get the first letter wrong
    edit = rng.choice(("change", "drop", "double"))
    if edit == "change":
        letter = rng.choice([c for c in LETTERS if c != word[at]])
        word = word[:at] + letter + word[at + 1 :]
    elif edit == "drop":
        word = word[:at] + word[at + 1 :]
    else:
        word = word[:at] + word[at] + word[at:]
    words[index] = word
    return " ".join(words)


def _filters(rng: random.Random, spec: Specialty, how_many: int) -> dict:
    chosen = rng.sample(("stars", "province", "product_set", "price"), how_many)
    filters: dict = {}
    if "stars" in chosen:
        filters["stars"] = rng.choice(STAR_CHOICES)
    if "province" in chosen:
        filters["province"] = rng.choice(geo.provinces())[0]
    if "product_set" in chosen:
        filters["product_set"] = spec.set_code
    if "price" in chosen:
        low, high = rng.choice(PRICE_BANDS)
        filters["price_min"], filters["price_max"] = low or None, high
    return filters


def _one(rng: random.Random, kind: str) -> BenchQuery | None:
    phrase, spec = _phrase(rng)
    if kind == "plain":
        return BenchQuery(kind, _typed(rng, phrase))
    if kind == "misspelt":
        text = _misspell(rng, fold(phrase) if rng.random() < 0.7 else phrase)
        return BenchQuery(kind, text) if text else None
    if kind == "filtered":
        return BenchQuery(kind, _typed(rng, phrase), **_filters(rng, spec, rng.randint(1, 2)))
    if kind == "sorted":
        extra = _filters(rng, spec, 1) if rng.random() < 0.3 else {}
        sort = rng.choice(("price_asc", "price_desc"))
        return BenchQuery(kind, _typed(rng, phrase), sort=sort, **extra)
    return BenchQuery(kind, "", **_filters(rng, spec, rng.randint(1, 2)))  # browse


def searches(seed: int, count: int) -> list[BenchQuery]:
    """`count` distinct searches in fixed shares of each kind (the same for a given seed)."""
    rng = random.Random(seed)
    total = sum(SHARES.values())
    wanted = {kind: max(1, count * share // total) for kind, share in SHARES.items()}
    wanted["plain"] += max(0, count - sum(wanted.values()))
    found: list[BenchQuery] = []
    seen: set[BenchQuery] = set()
    for kind in KINDS:
        made = 0
        for _attempt in range(wanted[kind] * 50):  # bounded: duplicates are retried
            if made == wanted[kind]:
                break
            query = _one(rng, kind)
            if query is None or query in seen:
                continue
            seen.add(query)
            found.append(query)
            made += 1
    return found


def prefixes(seed: int, count: int) -> list[str]:
    """`count` distinct autocomplete inputs of 2 to 8 characters, as typed in the header box."""
    rng = random.Random(seed + 1)
    found: list[str] = []
    for _attempt in range(count * 50):
        if len(found) == count:
            break
        roll = rng.random()
        if roll < 0.7:
            source = _phrase(rng)[0]
        elif roll < 0.85:
            source = rng.choice(FAMOUS).lower()
        else:
            source = rng.choice(PRODUCER_WORDS)
        text = _typed(rng, source)[: rng.randint(2, 8)].rstrip()
        if len(text) >= 2 and text not in found:
            found.append(text)
    return found
