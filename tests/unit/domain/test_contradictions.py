"""The offline contradiction judge by pattern families: what it reads off a statement, whose fact
it is, how sure it is, and which stored statements the conflict check looks up for it."""
import pytest

from companion.domain.conflicts import AUTO_RESOLVE_CONFIDENCE
from companion.domain.contradictions import (
    candidate_terms, clause_holder, facts_of, family_candidate, heuristic_verdict,
)
from companion.domain.lexical import terms


def test_the_issues_move_is_a_confident_change_of_place():
    verdict = heuristic_verdict("I live in Lisbon, it is a lovely city by the sea",
                                "Big news: I moved to Berlin last week, still unpacking boxes")
    assert verdict.has_conflict and verdict.resolve_automatically
    assert "Lisbon -> Berlin" in verdict.description


@pytest.mark.parametrize("old, new", [
    ("i live in lisbon", "i moved to berlin last week"),                             # typed in lower case
    ("My wife and I live in Lisbon", "We moved to Porto"),
    ("Home is a tiny studio in Brooklyn", "I moved out of Brooklyn, I'm in Queens now"),
    ("I'm a software engineer at Spotify", "I quit Spotify, I'm working at Google now"),
    ("I'm unemployed right now", "I finally got a job at the bank!"),
    ("Hi! I am Maya, I work as a nurse in Leeds", "I'm not a nurse anymore, I work in a bookshop now"),
    ("My boyfriend is Tom", "I broke up with Tom"),
    ("I'm single and happy about it", "I have a girlfriend now, her name is Ana"),
    ("I'm a big fan of Taylor Swift", "Honestly I can't stand Taylor Swift's music these days"),
    ("Pizza is my favourite food", "My favourite food is sushi now"),
    ("I smoke about a pack a day", "I quit smoking a month ago"),
    ("I've been vegan for two years", "I started eating fish again"),
    ("We have one cat", "We adopted another cat, so two cats now"),
])
def test_a_changed_fact_of_each_family_is_resolved_by_time(old, new):
    verdict = heuristic_verdict(old, new)
    assert verdict.has_conflict and verdict.confidence >= AUTO_RESOLVE_CONFIDENCE, verdict


@pytest.mark.parametrize("old, new", [
    ("I have two cats", "I have three cats"),         # an update, or two different things? ask
    ("I don't eat meat", "I had a burger today"),     # once is not a diet: ask
    ("I'm a nurse", "I'm a teacher"),                 # two jobs, or a new one? ask
])
def test_a_change_nothing_confirms_is_asked_about(old, new):
    verdict = heuristic_verdict(old, new)
    assert verdict.has_conflict and not verdict.resolve_automatically


@pytest.mark.parametrize("old, new", [
    ("I live in Lisbon", "I'm visiting Paris next week for a conference"),          # a trip
    ("I live in Lisbon", "My sister moved to Berlin"),                               # someone else
    ("I moved to Berlin last week", "I used to live in Lisbon"),                     # the past
    ("I live in Lisbon", "I'm moving to Berlin next month"),                         # a plan
    ("I live in New York", "I live in New York City now"),
    ("I used to be a chef", "I work as a nurse now"),
    ("I'm a software engineer", "I'm learning to cook on weekends"),
    ("I got a new job at Google", "My new job at Google starts Monday"),
    ("I'm married to Sarah", "My brother is getting divorced"),
    ("I love my cat", "My cat hates the vacuum cleaner"),
    ("I love coffee", "I love tea"),
    ("I quit smoking", "Not smoking for a month feels great"),
    ("I have two cats", "I fed the two cats at 7"),
    ("I'm 25", "My brother is 30"),
    ("I hiked this last year! It was a 3 hour drive from me", "The hike took us two hours"),
    ("We both helped with the painting - it was great bonding over it", "We love painting together"),
])
def test_statements_that_can_both_be_true_are_not_conflicts(old, new):
    assert not heuristic_verdict(old, new).has_conflict


def test_whose_fact_a_clause_states():
    assert clause_holder("I live in Lisbon") == "self"
    assert clause_holder("Big news: I moved to Berlin") == "self"
    assert clause_holder("My sister moved to Berlin") == "sister"
    assert clause_holder("My wife and I live in Lisbon") == "self"
    assert clause_holder("Pizza is my favourite food") == "self"  # no name: "Pizza is my..."
    assert clause_holder("Tom lives in Paris") == "tom"
    assert clause_holder("Ran 10k this morning!", previous="self") == "self"


def test_facts_name_family_value_and_state():
    [moved] = [f for f in facts_of("Big news: I moved to Berlin last week") if f.family == "place"]
    assert (moved.slot, moved.value, moved.holder, moved.state, moved.changed) == (
        "residence", "berlin", "self", "started", True)
    [quit_] = facts_of("I quit Spotify")
    assert (quit_.family, quit_.slot, quit_.value, quit_.state) == ("job", "employer", "spotify", "ended")
    assert {f.family for f in facts_of("I'm vegetarian and I love jazz")} == {"habit", "preference"}


def test_the_check_looks_up_older_statements_of_the_same_kind_of_fact():
    new = "Big news: I moved to Berlin last week, still unpacking boxes"
    wanted = candidate_terms(new)
    # "live" is how the older statement is indexed; the lookup reads memories by such terms.
    assert set(terms("I live in Lisbon, it is a lovely city by the sea")) & set(wanted)
    assert family_candidate("I live in Lisbon, it is a lovely city by the sea", new)
    assert not family_candidate("My sister lives in Porto", new)        # another holder
    assert not family_candidate("I love living by the sea", "I hate coffee now")
    assert "spotifi" in candidate_terms("I quit Spotify") or "spotify" in candidate_terms("I quit Spotify")
    assert candidate_terms("lol ok") == []
