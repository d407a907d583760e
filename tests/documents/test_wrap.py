"""Chinese line breaking: per character, Latin runs whole, 避头尾 punctuation rules."""

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.documents.wrap import NO_LINE_END, NO_LINE_START, tokens, wrap


def width(text: str) -> float:
    """Hanzi and full-width punctuation 1, ASCII 0.5: roughly a CJK font's metrics."""
    return sum(0.5 if char.isascii() else 1.0 for char in text)


def test_chinese_breaks_between_any_two_characters():
    assert wrap("一二三四五六七", 3, width) == ["一二三", "四五六", "七"]


def test_closing_punctuation_never_starts_a_line():
    lines = wrap("一二三，四五六。", 3, width)
    assert lines == ["一二", "三，四", "五六。"]


def test_opening_punctuation_never_ends_a_line():
    lines = wrap("一二（三四）", 3, width)
    assert all(line[-1] not in NO_LINE_END for line in lines)
    assert "".join(lines) == "一二（三四）"


def test_an_id_number_stays_whole_when_it_fits():
    lines = wrap("号码110101199003071234有", 10, width)
    assert any("110101199003071234" in line for line in lines)


def test_a_run_longer_than_a_line_is_broken():
    lines = wrap("https://verify.example.invalid/c/000123", 6, width)
    assert all(width(line) <= 6 for line in lines)
    assert "".join(lines) == "https://verify.example.invalid/c/000123"


def test_first_indent_narrows_only_the_first_line():
    assert wrap("一二三四五六", 4, width, first_indent=2) == ["一二", "三四五六"]


def test_hard_breaks_and_spaces():
    assert wrap("Document printer\n测试", 20, width) == ["Document printer", "测试"]
    assert wrap("aaaa bbbb", 2.5, width) == ["aaaa", "bbbb"]
    assert wrap("", 10, width) == [""]


def test_tokens_glue_punctuation_to_its_neighbour():
    assert tokens("（张三）。") == ["（张", "三）。"]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="一二三四五，。、（）《》“”abc 123-:/", max_size=80), st.floats(min_value=3, max_value=30))
def test_lines_fit_and_lose_no_character(text, line_width):
    lines = wrap(text, line_width, width)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for line in lines:
        # only a single glued group wider than the line may overflow, never two pieces
        assert width(line) <= line_width or len(tokens(line)) == 1
