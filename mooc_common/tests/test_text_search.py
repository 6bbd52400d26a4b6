"""The accent-insensitive search pattern: what it finds, what it escapes."""
import re
import unicodedata

import pytest

from mooc_common.infra.text_search import accent_insensitive_pattern, fold

NAME = "Nguyễn Văn Đức Ánh"


@pytest.mark.parametrize("typed", ["nguyen van", "NGUYỄN VĂN", "duc", "Đức", "anh", "Ánh",
                                   unicodedata.normalize("NFD", "Nguyễn")])
def test_finds_the_name_with_or_without_diacritics(typed):
    assert re.search(accent_insensitive_pattern(typed), NAME, re.IGNORECASE)


@pytest.mark.parametrize("typed", ["nguyen van an", "duck", "n.uyen", "(", "["])
def test_finds_nothing_else_and_escapes_regex_syntax(typed):
    assert not re.search(accent_insensitive_pattern(typed), NAME, re.IGNORECASE)


def test_fold_drops_diacritics_and_case():
    assert fold("Nguyễn Đức Ánh") == "nguyen duc anh"
