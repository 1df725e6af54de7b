"""Near-duplicates: a new statement is a repeat only if it is similar enough and adds nothing."""
import pytest

from companion.domain.merges import adds_nothing, is_repeat, merge_similarity


@pytest.mark.parametrize("old, new", [
    ("I love coffee", "I really love coffee"),
    ("I love coffee", "I love coffee so much"),
    ("My sister lives in Porto", "my sister lives in Porto"),
    ("I work as a nurse in Leeds", "I'm a nurse"),          # the older one says more: nothing lost
    ("Good night!", "good night"),
])
def test_a_repeat_adds_nothing(old, new):
    assert adds_nothing(old, new)


@pytest.mark.parametrize("old, new", [
    ("My dad is in the hospital", "My dad is out of the hospital"),   # 0.95 on MiniLM
    ("I have two cats", "I have three cats"),                          # 0.94
    ("I'm 30 years old", "I'm 31 years old"),
    ("I live in Berlin", "I lived in Berlin"),                         # the contradiction judge reads it
    ("I love coffee", "I hate coffee"),
    ("I work as a nurse", "I work as a nurse in Leeds, on the night shift"),  # one more detail
    ("I'm going to Paris next week", "I went to Paris last week"),
    ("I can sleep", "I can't sleep"),
])
def test_a_statement_that_says_anything_new_is_not_a_repeat(old, new):
    assert not adds_nothing(old, new)


def test_similarity_decides_first():
    assert is_repeat("I love coffee", "I really love coffee", 0.97, 0.875)
    assert not is_repeat("I love coffee", "I really love coffee", 0.8, 0.875)
    assert merge_similarity("all-MiniLM-L6-v2-onnx-int8") == 0.875
    assert merge_similarity("gemini-embedding-001-1536") == 0.9  # the seed's, until measured
    assert merge_similarity("gemini-embedding-001-1536", 0.82) == 0.82  # the deployment's measured value
