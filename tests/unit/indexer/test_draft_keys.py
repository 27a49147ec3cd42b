"""A draft and its final version share a title key; other documents do not."""

import pytest

from indexer.versions.drafts import title_key

MEASURES = "北京市促进通用人工智能创新发展的若干措施"


@pytest.mark.parametrize(
    ("draft", "final"),
    [
        (
            f"关于公开征求《{MEASURES}（征求意见稿）》意见的通知",
            f"北京市人民政府办公厅关于印发《{MEASURES}》的通知",
        ),
        ("上海市算力券管理办法（征求意见稿）", "关于印发上海市算力券管理办法的通知"),
        (
            "Measures for generative AI services (draft for comments)",
            "Measures for Generative AI Services",
        ),
    ],
)
def test_a_draft_and_its_final_version_share_a_key(draft, final):
    assert title_key(draft) is not None
    assert title_key(draft) == title_key(final)


def test_different_documents_and_empty_titles_have_other_keys():
    assert title_key("上海市算力券管理办法") != title_key("深圳市算力券管理办法")
    assert title_key("关于组织申报2024年度专项资金的通知") != title_key("关于组织申报2025年度专项资金的通知")
    assert title_key("") is None and title_key(None) is None and title_key("通知") is None
