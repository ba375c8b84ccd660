"""Tailoring rules: which sections a topic pulls in, footnote numbers, credits, names."""

from __future__ import annotations

import pytest

from briefpack import model as m
from briefpack.errors import UsageError
from briefpack.sources.loader import load_pack
from briefpack.model.selection import make_edition
from conftest import SAMPLE


@pytest.fixture(scope="module")
def sample():
    return load_pack(SAMPLE)


def test_topic_pack_holds_common_and_topic_sections_only(sample):
    ed = make_edition(sample, ["cybersecurity"])
    common = [s for s in sample.sections if s.in_every_pack]
    cyber = [s for s in sample.sections if "cybersecurity" in s.topics]
    assert cyber and common
    assert set(ed.sections) == set(common) | set(cyber)
    assert all(s.in_every_pack or "cybersecurity" in s.topics for s in ed.sections)
    assert [s.order for s in ed.sections] == sorted(s.order for s in ed.sections)
    assert ed.name == "itu-pp-2014-cybersecurity"
    assert ed.topic_label == "Cybersecurity"


def test_alias_selects_its_topic(sample):
    for alias in ("lebanon", "palestine", "afghanistan"):
        ed = make_edition(sample, [alias])
        assert ed.name == "itu-pp-2014-international-security"
        assert any("international-security" in s.topics for s in ed.sections)


def test_full_pack_and_union_of_topics(sample):
    full = make_edition(sample, [])
    assert full.sections == sample.sections and full.name == "itu-pp-2014-full"
    assert full.topic_label == "Full pack"
    both = make_edition(sample, ["internet", "cybersecurity"])
    assert {t.id for t in both.topics} == {"internet", "cybersecurity"}
    assert both.name == "itu-pp-2014-internet+cybersecurity"


def test_unknown_topic_lists_valid_topics_and_aliases(sample):
    with pytest.raises(UsageError) as info:
        make_edition(sample, ["cyber"])
    text = str(info.value)
    assert "unknown topic 'cyber'" in text and "did you mean 'cybersecurity'" in text  # a prefix
    for word in ("internet", "cybersecurity", "strategic-plan", "lebanon", "palestine"):
        assert word in text
    assert info.value.exit_code == 2


def test_footnotes_numbered_afresh_per_pack_in_reading_order(trade_pack):
    pack = load_pack(trade_pack)
    fish = make_edition(pack, ["fish"])
    numbers = [fish.calls[k].number for k in sorted(fish.calls, key=lambda k: ([s.id for s in fish.sections].index(k[0]), k[1]))]
    assert numbers == [1, 2, 2]  # intro note 1; fisheries [^1] called twice keeps number 2
    firsts = [c for c in fish.calls.values() if c.first]
    assert [c.number for c in fish.notes] == [1, 2] and len(firsts) == 2  # printed once each
    ecom = make_edition(pack, ["ecommerce"])
    assert sorted(c.number for c in ecom.calls.values()) == [1, 2]
    # labels are local to their file: both sections use [^1] for different notes
    note2 = ecom.notes[1].note
    assert "Renewed" in m.plain_text(note2.children[0].children)


def test_credits_name_only_people_of_included_sections(trade_pack):
    pack = load_pack(trade_pack)
    fish = make_edition(pack, ["fisheries"])
    assert [p.name for p in fish.credits.prepared_by] == ["Ada Policy"]
    assert [p.name for p in fish.credits.contributors] == ["Pat Wide"]
    assert [(c.section.title, [p.name for p in c.people]) for c in fish.credits.by_section] == [("Fisheries", ["Fay Fisher"])]
    names = {p.name for p in fish.credits.everyone}
    assert "Eve Commerce" not in names and "Fay Fisher" in names
    full = make_edition(pack, [])
    assert {p.name for p in full.credits.everyone} == {"Ada Policy", "Pat Wide", "Fay Fisher", "Eve Commerce"}


def test_links_into_left_out_sections_are_known(trade_pack):
    pack = load_pack(trade_pack)
    link = m.Link(target="#fisheries", children=(m.Text("x"),))
    assert make_edition(pack, ["fisheries"]).links_to(link)
    assert not make_edition(pack, ["ecommerce"]).links_to(link)


def test_sample_cybersecurity_notes_start_at_one_and_repeat_once(sample):
    ed = make_edition(sample, ["cybersecurity"])
    numbers = sorted({c.number for c in ed.calls.values()})
    assert numbers == list(range(1, len(numbers) + 1))
    assert any(not c.first for c in ed.calls.values())  # the sample calls one note twice
