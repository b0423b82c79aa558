"""How a query's words are split, corrected and paired (shop.search.joined), on a made-up
vocabulary: no index, no database."""

from shop.search.base import Terms
from shop.search.joined import Pair, plan, split, with_pairs

KNOWN = {
    "ca", "phe", "cap", "he", "caphe", "che", "thai", "nguyen", "chethai", "thainguyen",
    "nuoc", "mam", "nuocmam", "nam", "gao", "st25", "mat", "ong", "matong",
}  # fmt: skip


class Vocabulary:
    def __init__(self):
        self.questions = 0

    def known(self, words):
        self.questions += 1
        return {w for w in words if w in KNOWN}

    def closest(self, words, joins, distance):
        self.questions += 1
        fixes = {"nuocnam": "nuocmam", "mamm": "mam", "tuuong": "tuong"}
        return {w: fixes[w] for w in (*words, *joins) if w in fixes}


def test_the_index_holds_each_two_adjacent_folded_syllables_joined():
    assert with_pairs("Cà phê phin Đắk Lắk") == "Cà phê phin Đắk Lắk caphe phephin phindak daklak"
    assert with_pairs("Mật") == "Mật"


def test_a_joined_word_is_split_into_syllables_rather_than_other_known_pieces():
    assert split("caphe", KNOWN) == ("ca", "phe")  # not "cap he"
    assert split("chethainguyen", KNOWN) == ("che", "thai", "nguyen")  # not "chethai nguyen"
    assert split("gaost25", KNOWN) == ("gao", "st25")
    assert split("atisso", KNOWN) is None


def test_a_plan_splits_unknown_words_pairs_adjacent_ones_and_corrects_a_pair():
    vocabulary = Vocabulary()
    found = plan(Terms.parse("chethainguyen"), vocabulary, 1)
    assert [w.folded for w in found.words] == ["che", "thai", "nguyen"]
    assert found.pairs == (Pair(0, "chethai", True), Pair(1, "thainguyen", True))

    fish = plan(Terms.parse("nuoc nam"), vocabulary, 1)
    assert [w.spellings for w in fish.words] == [("nuoc",), ("nam",)]
    assert fish.pairs == (Pair(0, "nuocmam", False),)  # an alternative to both words

    known = plan(Terms.parse("caphe"), vocabulary, 1)
    assert [w.folded for w in known.words] == ["caphe"] and known.pairs == ()


def test_a_plan_asks_the_vocabulary_at_most_four_questions_for_six_words():
    vocabulary = Vocabulary()
    plan(Terms.parse("caphe nuoc nam gaost25 chethainguyen mamm"), vocabulary, 1)
    assert vocabulary.questions <= 4


def test_a_misspelt_word_is_corrected_rather_than_split_into_unrelated_syllables():
    vocabulary = Vocabulary()
    KNOWN.update({"tu", "uong", "tuong"})
    try:
        found = plan(Terms.parse("tuuong"), vocabulary, 1)
    finally:
        KNOWN.difference_update({"tu", "uong", "tuong"})
    assert [w.spellings for w in found.words] == [("tuuong", "tuong")]
