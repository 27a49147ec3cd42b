from collections import Counter

from processors.evaluate import TARGETS, Score, evaluate


def test_score_counts_repeated_amounts_as_often_as_they_occur():
    score = Score()
    score.add("doc", Counter({(5e6, "CNY"): 2, (1e6, "CNY"): 1}), Counter({(5e6, "CNY"): 1, (9e9, "USD"): 1}))
    assert (score.tp, score.fp, score.fn) == (1, 1, 2)
    assert score.precision == 0.5 and round(score.recall, 3) == 0.333


def test_the_dev_set_meets_every_target_in_each_language():
    scores = evaluate()
    assert {lang for lang, _ in scores} == {"en", "zh"}
    below = {key: round(s.f1, 3) for key, s in scores.items() if key[1] in TARGETS and s.f1 < TARGETS[key[1]]}
    assert below == {}
