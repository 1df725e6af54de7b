from companion.domain.lexical import bm25_idf, bm25_tf, document_weights, sparse, terms


def test_question_and_stop_words_are_not_content_and_words_are_stemmed():
    assert terms("When did she go to the support group?") == ["go", "support", "group"]
    assert terms("Painting, paints and painted") == ["paint", "paint", "paint"]
    assert terms("Caroline's puppy") == ["carolin", "puppi"]
    assert terms("the and of") == []


def test_rare_terms_weigh_more_and_repeats_saturate():
    assert bm25_idf(1000, 1) > bm25_idf(1000, 500)
    assert bm25_tf(2, 10) < 2 * bm25_tf(1, 10)


def test_sparse_vectors_have_unique_sorted_indices():
    indices, values = sparse(document_weights(terms("dog dog park cat")))
    assert indices == sorted(set(indices)) and len(indices) == 3 and all(v > 0 for v in values)
