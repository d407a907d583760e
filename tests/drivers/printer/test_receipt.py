import pytest

from drivers.printer.receipt import Cut, Feed, Qr, Receipt, Rule, Text


def test_builder_records_elements_in_order():
    receipt = Receipt().title("回执").line("a", bold=True, align="right").field("编号", 7).rule().qr("x", 4).feed(2).cut()
    assert receipt.elements == [
        Text("回执", bold=True, align="center", double=True),
        Text("a", bold=True, align="right"),
        Text("编号：7"),
        Rule(),
        Qr("x", 4),
        Feed(2),
        Cut(),
    ]


def test_plain_text_is_what_a_person_reads():
    text = Receipt().title("回执").field("编号", "A1").rule().qr("https://q").feed(1).cut().plain_text(columns=4)
    assert text.split("\n") == ["回执", "编号：A1", "----", "[QR] https://q", ""]


@pytest.mark.parametrize(
    "build",
    [
        lambda r: r.line("x", align="middle"),
        lambda r: r.qr(""),
        lambda r: r.qr("x", size=17),
        lambda r: r.feed(-1),
        lambda r: r.feed(256),
    ],
)
def test_bad_elements_are_refused(build):
    with pytest.raises(ValueError):
        build(Receipt())
