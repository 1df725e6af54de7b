import math
from collections import Counter

from companion.domain.lexical import bm25_idf, bm25_rank, bm25_tf, document_weights, sparse, terms


def test_question_and_stop_words_are_not_content_and_words_are_stemmed():
    assert terms("When did she go to the support group?") == ["go", "support", "group"]
    assert terms("Painting, paints and painted") == ["paint", "paint", "paint"]
    assert terms("Caroline's puppy") == ["carolin", "puppi"]
    assert terms("the and of") == []


def test_bm25_rank_matches_a_brute_force_reference():
    docs = {
        "a": "dog park dog",
        "b": "cat park",
        "c": "dog",
        "d": "bird tree song",
    }
    query = ["dog", "park"]
    total = len(docs)
    parsed = {k: v.split() for k, v in docs.items()}
    expected = {}
    for doc_id, words in parsed.items():
        counts, length = Counter(words), len(set(words))
        score = 0.0
        for term in query:
            df = sum(term in w for w in parsed.values())
            if counts[term]:
                idf = math.log(1 + (total - df + 0.5) / (df + 0.5))
                score += idf * counts[term] * 2.2 / (counts[term] + 1.2 * (0.25 + 0.75 * length / 14.0))
        if score:
            expected[doc_id] = score
    matching = [(k, v) for k, v in docs.items() if set(v.split()) & set(query)]
    got = bm25_rank(query, matching, total, 10)
    assert [d for d, _ in got] == sorted(expected, key=lambda d: -expected[d])
    for doc_id, score in got:
        assert math.isclose(score, expected[doc_id], rel_tol=1e-9)


def test_rare_terms_weigh_more_and_repeats_saturate():
    assert bm25_idf(1000, 1) > bm25_idf(1000, 500)
    assert bm25_tf(2, 10) < 2 * bm25_tf(1, 10)


def test_sparse_vectors_have_unique_sorted_indices():
    indices, values = sparse(document_weights(terms("dog dog park cat")))
    assert indices == sorted(set(indices)) and len(indices) == 3 and all(v > 0 for v in values)
