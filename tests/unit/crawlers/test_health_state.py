"""A health record taken to JSON and back folds later runs and assesses exactly as the record it was
taken from; a state that cannot be read back says which source and why."""

import json
import random
from dataclasses import asdict
from datetime import timedelta

import pytest

from crawlers.health import HealthBook, SourceRecord, assess_source
from crawlers.health_checkpoint import PositionedBook
from crawlers.health_state import StateError, record_from_state, record_state
from crawlers.run_feed import FeedRun
from tests.unit.crawlers.test_health_tally import NOW, random_history, random_run, reference_health


def through_json(record: SourceRecord) -> SourceRecord:
    return record_from_state(json.loads(json.dumps(record_state(record))))


@pytest.mark.parametrize("seed", range(100))
def test_a_record_rebuilt_from_its_state_goes_on_as_the_original(seed):
    rng = random.Random(seed)
    days = rng.choice([1, 7, 14])
    runs = random_history(rng, "src", rng.randint(1, 80), 24 * 3 * days)
    rng.shuffle(runs)
    cut = rng.randint(0, len(runs))
    original = SourceRecord("src", days, prune=rng.random() < 0.8)
    for run in runs[:cut]:
        original.fold(run)
    rebuilt = through_json(original)
    assert vars(rebuilt) == vars(original)  # every attribute, not only those the state names
    for run in runs[cut:]:
        original.fold(run)
        rebuilt.fold(run)
    assert vars(rebuilt) == vars(original)
    for now in (NOW, NOW + timedelta(days=days / 2)):
        assert asdict(assess_source(rebuilt, now)) == asdict(assess_source(original, now))
    if not original.keep:  # an unpruned record is exact whatever the arrival order
        assert asdict(assess_source(rebuilt, NOW)) == asdict(reference_health("src", runs, days, NOW))


def test_the_window_sums_are_recomputed_from_the_kept_runs():
    rng = random.Random(3)
    record = SourceRecord("src", 14)
    for _ in range(40):
        record.fold(random_run(rng, "src", rng.randint(0, 24 * 30)))
    rebuilt = through_json(record)
    assert (rebuilt.window_records, rebuilt.window_quarantined) == (
        record.window_records,
        record.window_quarantined,
    )
    assert rebuilt.window_sums(NOW - timedelta(days=3)) == record.window_sums(NOW - timedelta(days=3))


def test_a_state_of_another_version_or_with_a_field_missing_is_refused_by_name():
    state = record_state(SourceRecord("bureau", 14))
    with pytest.raises(StateError, match="version 9"):
        record_from_state({**state, "v": 9})
    broken = dict(state)
    del broken["total_records"]
    with pytest.raises(StateError, match=r"'bureau'.*total_records"):
        record_from_state(broken)
    with pytest.raises(StateError, match="'bureau'"):
        record_from_state({**state, "window": [["not a date", 1, 0, False]]})


def test_a_positioned_book_skips_the_runs_a_rebuilt_record_already_holds_in_each_partition():
    rng = random.Random(5)
    runs = random_history(rng, "a", 6, 48)
    # The entry was written at positions {2: 10, 3: 5}: runs of "a" below them are in its record.
    positioned = PositionedBook(HealthBook(14), folded_below={"a": {2: 10, 3: 5}})
    touched = positioned.fold(
        [FeedRun(3, 4, runs[0]), FeedRun(2, 9, runs[1]), FeedRun(2, 10, runs[2]), FeedRun(3, 5, runs[3])]
    )
    assert touched == {"a"} and positioned.book.records["a"].runs == 2
    # A partition the entry did not know of (the topic grew): every run of it is new.
    positioned.fold([FeedRun(4, 0, runs[4]), FeedRun(2, 11, runs[5])])
    assert positioned.book.records["a"].runs == 4
    assert positioned.fold([FeedRun(2, 3, runs[0])]) == set()  # nothing folded, nothing touched
