from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from carestats.ingest.csvfile import UTF8_SEQUENCE, _utf8_sequence, read_csv


def read(data: bytes):
    return read_csv(Path("f.csv"), "f.csv", "0" * 64, data)


def rules(f) -> list[tuple[str, int, str]]:
    return [(x.rule, x.line, x.severity) for x in f.findings]


def test_utf8_bom_and_crlf_read_the_same_as_plain() -> None:
    plain = read(b"a,b\n1,2\n3,4\n")
    bom_crlf = read(b"\xef\xbb\xbfa,b\r\n1,2\r\n3,4\r\n")
    assert plain.header == bom_crlf.header == ["a", "b"]
    assert plain.rows == bom_crlf.rows == [["1", "2"], ["3", "4"]]
    assert bom_crlf.lines == [2, 3] and bom_crlf.encoding == "utf-8-sig" and not bom_crlf.findings


def test_cp1252_is_read_with_a_warning_naming_the_line() -> None:
    f = read(b"a,b\n1,Children\x92s\n")
    assert f.rows == [["1", "Children\u2019s"]]
    assert f.encoding == "cp1252"
    assert rules(f) == [("ENC-CP1252", 2, "warning")]


def test_quoted_newline_keeps_the_line_numbers_of_later_rows() -> None:
    f = read(b'a,b\n"x\ny",1\nz,2\n')
    assert f.rows == [["x\ny", "1"], ["z", "2"]]
    assert f.lines == [2, 4]


def test_ragged_row_is_located() -> None:
    f = read(b"a,b\n1,2\n3\n4,5\n")
    assert rules(f) == [("RAGGED-ROW", 3, "error")]
    assert f.rows == [["1", "2"], ["4", "5"]]


def test_unterminated_quote_is_located_and_loads_nothing() -> None:
    f = read(b'a,b\n1,2\n3,"oops\n4,5\n')
    assert [r for r, _, _ in rules(f)] == ["UNTERMINATED-QUOTE"]
    assert f.rows == []


def test_nul_byte_empty_file_and_semicolons() -> None:
    assert rules(read(b"a,b\n1,\x002\n"))[0][:2] == ("NUL-BYTE", 2)
    assert rules(read(b""))[0][0] == "EMPTY-FILE"
    assert rules(read(b"a;b;c\n1;2;3\n"))[0][0] == "DELIMITER"
    assert rules(read(b"\xff\xfea\x00"))[0][0] == "ENC-UTF16"


def test_duplicate_columns_are_an_error() -> None:
    f = read(b"a,b,a\n1,2,3\n")
    assert ("DUP-COLUMN", 1, "error") in rules(f)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64), st.binary(max_size=64))
def test_the_search_for_utf8_sequences_finds_the_first_one(before: bytes, after: bytes) -> None:
    """ENC-MIXED names the line of the first UTF-8 sequence; the search skips ahead to the first byte that can
    start one, and must find what a search of the whole file finds."""
    for data in (before + after, before + "é".encode() + after, before + b"\xe9" + after):
        found, whole = _utf8_sequence(data), UTF8_SEQUENCE.search(data)
        assert (found and found.span()) == (whole and whole.span())
