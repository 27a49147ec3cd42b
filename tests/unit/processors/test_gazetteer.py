"""The gazetteer's prefix-tree pattern finds the longest known form at each position, whole words only
for Latin forms, anywhere for Chinese ones."""

from processors.extractors.gazetteer import Gazetteer


def found(gazetteer: Gazetteer, text: str) -> list[tuple[str, str]]:
    return [(hit.text, hit.entry) for hit in gazetteer.find(text)]


def test_the_longest_form_wins_and_a_shorter_one_is_tried_when_the_longer_does_not_fit():
    gazetteer = Gazetteer(
        [
            ("Nan", "a"),
            ("Nanjing", "b"),
            ("Nanjing Jiangbei New Area", "c"),
            ("南京", "d"),
            ("南京市江北新区", "e"),
        ]
    )
    assert found(gazetteer, "Nanjing Jiangbei New Area and Nanjing, not Nanjingese; Nan.") == [
        ("Nanjing Jiangbei New Area", "c"),
        ("Nanjing", "b"),
        ("Nan", "a"),
    ]
    assert found(gazetteer, "南京市江北新区和南京市") == [("南京市江北新区", "e"), ("南京", "d")]


def test_regular_expression_characters_in_names_are_literal():
    gazetteer = Gazetteer([("A.I. Co (HK)", "x"), ("C++", "y")])
    assert found(gazetteer, "A.I. Co (HK) and AxI Co (HK)") == [("A.I. Co (HK)", "x")]
