"""The CSV reader against the hazards real nutrition exports have (docs/formats.md).

Every test builds its bytes by hand from real header lines (MyFitnessPal, Cronometer,
Lose It!) and checks values worked out by hand; one test reads the real Cronometer export.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import polars as pl
import pytest

from transforms.csv_read import (
    CsvError,
    CsvTable,
    open_csv,
    parse_numbers,
    read_csv,
    read_rows,
    to_frame,
)

#: MyFitnessPal Nutrition-Summary header (20 columns, `Note` last).
MFP_HEADER = (
    "Date,Meal,Calories,Fat (g),Saturated Fat,Polyunsaturated Fat,Monounsaturated Fat,"
    "Trans Fat,Cholesterol,Sodium (mg),Potassium,Carbohydrates (g),Fiber,Sugar,Protein (g),"
    "Vitamin A,Vitamin C,Calcium,Iron,Note"
)
MFP_COLUMNS = tuple(MFP_HEADER.split(","))
#: Two MyFitnessPal rows (19 numbers each and an empty or one-word note).
MFP_ROW_1 = "2024-03-02,Breakfast,412,14.2,5.1,1.8,5.6,0,186,520,310,48.5,6.1,9.4,22.3,8,12,15,14,"
MFP_ROW_2 = "2024-03-02,Lunch,650,22.0,8.0,3.1,9.2,0,75,890,540,72.0,9.5,11.2,38.0,10,25,12,18,ok"

#: The real Cronometer servings.csv header (57 columns; `µ` is U+00B5).
CRONO_HEADER = (
    "Day,Time,Group,Food Name,Amount,Energy (kcal),Alcohol (g),Caffeine (mg),Water (g),"
    "B1 (Thiamine) (mg),B2 (Riboflavin) (mg),B3 (Niacin) (mg),B5 (Pantothenic Acid) (mg),"
    "B6 (Pyridoxine) (mg),B12 (Cobalamin) (µg),Folate (µg),Vitamin A (µg),Vitamin C (mg),"
    "Vitamin D (IU),Vitamin E (mg),Vitamin K (µg),Calcium (mg),Copper (mg),Iron (mg),"
    "Magnesium (mg),Manganese (mg),Phosphorus (mg),Potassium (mg),Selenium (µg),Sodium (mg),"
    "Zinc (mg),Carbs (g),Fiber (g),Starch (g),Sugars (g),Net Carbs (g),Fat (g),"
    "Cholesterol (mg),Monounsaturated (g),Polyunsaturated (g),Saturated (g),Trans-Fats (g),"
    "Omega-3 (g),Omega-6 (g),Cystine (g),Histidine (g),Isoleucine (g),Leucine (g),Lysine (g),"
    "Methionine (g),Phenylalanine (g),Protein (g),Threonine (g),Tryptophan (g),Tyrosine (g),"
    "Valine (g),Category"
)
#: The first data row of the real servings.csv.
CRONO_ROW = (
    '2022-11-03,9:51 AM,"Breakfast","Eggs, Cooked","4.00 medium",272.80,0.00,0.00,131.33,'
    "0.12,0.90,0.11,2.46,0.21,1.95,77.44,262.83,0.00,153.12,1.81,0.53,88.00,0.02,2.09,17.60,"
    "0.05,302.72,221.76,54.21,218.24,1.85,1.97,0.00,0.00,1.97,1.96,18.67,656.48,7.18,2.49,"
    "5.75,0.00,0.12,2.31,0.51,0.52,1.21,1.89,1.59,0.69,1.18,22.14,1.06,0.27,0.90,1.35,"
    '"Dairy and Egg Products"'
)
#: Lose It! food-logs.csv header (16 columns, no free-text column).
LOSEIT_HEADER = (
    "Date,Name,Icon,Meal,Quantity,Units,Calories,Deleted,Fat (g),Protein (g),"
    "Carbohydrates (g),Saturated Fat (g),Sugars (g),Fiber (g),Cholesterol (mg),Sodium (mg)"
)

REAL_SERVINGS = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "fixtures"
    / "nutrition"
    / "cronometer"
    / "servings.csv"
)


def _error(data: bytes, **kwargs: object) -> CsvError:
    with pytest.raises(CsvError) as info:
        read_csv(data, **kwargs)  # type: ignore[arg-type]
    return info.value


# --------------------------------------------------------------------------- 1. encoding


def test_utf8_with_bom_is_utf8_sig_and_the_bom_leaves_the_header() -> None:
    data = b"\xef\xbb\xbf" + f"{MFP_HEADER}\r\n{MFP_ROW_1}\r\n".encode("ascii")
    table = read_csv(data)
    assert table.encoding == "utf-8-sig"
    assert table.header == MFP_COLUMNS
    assert table.header[0] == "Date"  # not "\ufeffDate"
    assert table.rows == [tuple(MFP_ROW_1.split(","))]
    assert table.lines == [2]


def test_utf16_le_with_bom_as_excel_writes_it() -> None:
    text = "Day,Food Name,Energy (kcal),B12 (Cobalamin) (µg)\r\n2022-11-03,Café,272.80,1.95\r\n"
    data = b"\xff\xfe" + text.encode("utf-16-le")
    assert data[:8] == b"\xff\xfeD\x00a\x00y\x00"  # what Excel's "Unicode Text" starts with
    table = read_csv(data)
    assert table.encoding == "utf-16"
    assert table.header == ("Day", "Food Name", "Energy (kcal)", "B12 (Cobalamin) (µg)")
    assert table.rows == [("2022-11-03", "Café", "272.80", "1.95")]


def test_utf16_be_with_bom() -> None:
    data = b"\xfe\xff" + "Date,Calories\n2024-03-02,412\n".encode("utf-16-be")
    assert data[:6] == b"\xfe\xff\x00D\x00a"
    table = read_csv(data)
    assert (table.encoding, table.header, table.rows) == (
        "utf-16",
        ("Date", "Calories"),
        [("2024-03-02", "412")],
    )


def test_utf16_without_bom_is_recognised_by_its_nul_bytes() -> None:
    le = "Date,Weight\r\n2024-03-02,71.4\r\n".encode("utf-16-le")
    be = "Date,Weight\r\n2024-03-02,71.4\r\n".encode("utf-16-be")
    assert le[:4] == b"D\x00a\x00" and be[:4] == b"\x00D\x00a"
    for data in (le, be):
        table = read_csv(data)
        assert table.encoding == "utf-16"
        assert table.rows == [("2024-03-02", "71.4")]


def test_utf8_without_bom_keeps_the_micro_sign_of_cronometer_headers() -> None:
    data = f"{CRONO_HEADER}\n{CRONO_ROW}\n".encode()
    assert b"(\xc2\xb5g)" in data  # U+00B5 in UTF-8
    table = read_csv(data)
    assert table.encoding == "utf-8"
    assert len(table.header) == 57
    assert table.header[14] == "B12 (Cobalamin) (\u00b5g)"
    assert table.rows[0][3] == "Eggs, Cooked"
    assert table.rows[0][5] == "272.80"


def test_cp1252_when_the_bytes_are_not_utf8() -> None:
    data = (
        b"Day,Food Name,Energy (kcal),Folate (\xb5g)\r\n"
        b"2022-11-03,Caf\xe9 cr\xe8me,120.00,12.00\r\n"
    )
    table = read_csv(data)
    assert table.encoding == "cp1252"
    assert table.header[3] == "Folate (µg)"
    assert table.rows == [("2022-11-03", "Café crème", "120.00", "12.00")]


def test_pure_cp1252_and_pure_utf8_read_cafe_alike() -> None:
    # "Café" by hand: C a f, then é as one cp1252 byte 0xE9 or as UTF-8 0xC3 0xA9.
    lines = [b"Date,Name,Calories", b"2024-03-02,Caf%s au lait,120", b"2024-03-03,Apple,52"]
    cp1252 = b"\r\n".join(lines) % b"\xe9" + b"\r\n"
    utf8 = b"\r\n".join(lines) % b"\xc3\xa9" + b"\r\n"
    for data, encoding in ((cp1252, "cp1252"), (utf8, "utf-8")):
        table = read_csv(data)
        assert table.encoding == encoding
        assert table.rows[0][1] == "Caf\u00e9 au lait"
        assert table.rows[1] == ("2024-03-03", "Apple", "52")


def _mixed(utf8_line: int, cp1252_line: int) -> bytes:
    """Seven lines: a header, then rows; one row names Café in UTF-8, one in cp1252."""
    rows = [b"Date,Name,Calories"] + [b"2024-03-%02d,Apple,52" % d for d in range(2, 8)]
    rows[utf8_line - 1] = b"2024-03-09,Caf\xc3\xa9,120"
    rows[cp1252_line - 1] = b"2024-03-10,Caf\xe9,120"
    return b"\n".join(rows) + b"\n"


def test_utf8_then_cp1252_lines_are_rejected_naming_the_first_line_that_differs() -> None:
    err = _error(_mixed(utf8_line=3, cp1252_line=7))
    assert err.line == 7
    assert str(err).startswith("line 7 is not UTF-8 (byte(s) 0xE9) while lines 1-6 are "
                               "(line 3 holds UTF-8 text: 'é');")
    assert "mixes two text encodings" in str(err)


def test_cp1252_then_utf8_lines_are_rejected_naming_the_utf8_line() -> None:
    err = _error(_mixed(utf8_line=6, cp1252_line=2))
    assert err.line == 6
    assert str(err).startswith("line 6 holds UTF-8 text ('é') while line 2 is not UTF-8 "
                               "(byte(s) 0xE9, Windows-1252?);")


def test_one_line_mixing_utf8_and_cp1252_is_rejected() -> None:
    err = _error(b"Date,Name\n2024-03-02,Caf\xc3\xa9 cr\xe8me\n")
    assert err.line == 2
    assert str(err).startswith("line 2 mixes UTF-8 text ('é') with byte(s) 0xE8")


def test_utf8_cut_inside_a_character_is_truncated_not_cp1252() -> None:
    data = "Date,Name\n2024-03-02,Café\n2024-03-03,Crème".encode()[:-3]  # cut inside è
    err = _error(data)
    assert (err.line, str(err)) == (
        3, "line 3: the UTF-8 text ends in the middle of a character (truncated?)")


def test_bytes_that_are_neither_utf8_nor_cp1252_are_an_error_with_their_line() -> None:
    err = _error(b"Date,Name\r\n2024-03-02,Apple\r\n2024-03-03,Bad \x81 byte\r\n")
    assert str(err) == "line 3: byte(s) 0x81 are neither UTF-8 nor Windows-1252 (cp1252) text"
    assert err.line == 3


def test_utf8_bom_followed_by_cp1252_bytes_is_an_error_not_a_guess() -> None:
    err = _error(b"\xef\xbb\xbfDate,Name\n2024-03-02,Caf\xe9\n")
    assert err.line == 2
    assert "0xE9" in str(err) and "UTF-8 BOM" in str(err)


def test_truncated_utf16_is_an_error() -> None:
    data = b"\xff\xfe" + "Date,Weight\n2024-03-02,71.4\n".encode("utf-16-le")
    err = _error(data[:-1])
    assert "truncated" in str(err)
    assert err.line == 2


def test_nul_bytes_in_8bit_text_are_binary_data_not_a_csv() -> None:
    err = _error(b"Date,Calories\n2024-03-02,4\x0012\n")
    assert err.line == 2
    assert "binary" in str(err)


# --------------------------------------------------------------------------- 2. newlines


@pytest.mark.parametrize("newline", [b"\r\n", b"\n", b"\r"], ids=["CRLF", "LF", "CR"])
def test_crlf_lf_and_lone_cr_all_end_lines(newline: bytes) -> None:
    # The same file with each kind of line ending, a trailing one included.
    data = newline.join([b"Date,Weight", b"2024-03-02,71.4", b"2024-03-03,71.1", b""])
    table = read_csv(data)
    assert table.rows == [("2024-03-02", "71.4"), ("2024-03-03", "71.1")]
    assert table.lines == [2, 3]


def test_line_breaks_inside_quoted_values_become_lf_and_line_numbers_stay_physical() -> None:
    data = (
        b"Date,Exercise,Type,Exercise Calories,Exercise Minutes,Sets,Reps Per Set,"
        b"Kilograms,Steps,Note\r\n"
        b'2024-03-02,Running,Cardio,540,50,,,,,"Tempo run\r\nwindy"\r\n'
        b'2024-03-03,Squat,Strength,90,20,5,5,80,,"old\rmac\nline"\r\n'
        b"2024-03-04,Walking,Cardio,120,30,,,,4200,\r\n"
    )
    table = read_csv(data)
    assert [row[-1] for row in table.rows] == ["Tempo run\nwindy", "old\nmac\nline", ""]
    assert table.lines == [2, 4, 7]
    assert table.repairs == ()  # properly quoted multi-line values are not repairs


# --------------------------------------------------------------------------- 3. delimiter


def test_comma_with_quoted_delimiters_and_doubled_quotes() -> None:
    data = (
        b"Day,Time,Group,Food Name,Amount,Energy (kcal)\n"
        b'2022-11-03,9:51 AM,"Breakfast","Eggs, Cooked","4.00 medium",272.80\n'
        b'2022-11-03,12:30 PM,"Lunch","Pizza 12"" slice, ""Margherita""","1.00 slice",285.00\n'
    )
    table = read_csv(data)
    assert table.delimiter == ","
    assert table.rows[0][3] == "Eggs, Cooked"
    assert table.rows[1][3] == 'Pizza 12" slice, "Margherita"'
    assert table.rows[1][5] == "285.00"


def test_semicolon_is_detected_from_the_header() -> None:
    data = (MFP_HEADER.replace(",", ";") + "\r\n" + MFP_ROW_1.replace(",", ";") + "\r\n").encode()
    table = read_csv(data)
    assert table.delimiter == ";"
    assert table.header == MFP_COLUMNS
    assert table.rows[0][:3] == ("2024-03-02", "Breakfast", "412")


def test_tab_is_detected_from_the_header() -> None:
    data = b"Day\tMetric\tUnit\tAmount\n2022-11-03\tHeart Rate (Garmin)\tbpm\t63.0\n"
    table = read_csv(data)
    assert table.delimiter == "\t"
    assert table.rows == [("2022-11-03", "Heart Rate (Garmin)", "bpm", "63.0")]


def test_the_delimiter_giving_the_most_header_fields_wins() -> None:
    # A semicolon export whose header names contain commas: ";" gives 3 fields, "," gives 2.
    data = "Datum;Fett, gesättigt (g);Kalorien\n02.03.2024;5,1;1.450\n".encode()
    table = read_csv(data)
    assert table.delimiter == ";"
    assert table.header == ("Datum", "Fett, gesättigt (g)", "Kalorien")


def test_excel_sep_line_sets_the_delimiter() -> None:
    data = b"sep=;\r\nDate;Calories\r\n2024-03-02;1.450\r\n"
    table = read_csv(data)
    assert (table.delimiter, table.header, table.rows, table.lines) == (
        ";",
        ("Date", "Calories"),
        [("2024-03-02", "1.450")],
        [3],
    )


def test_header_names_are_stripped_of_whitespace() -> None:
    table = read_csv(b" Date , Weight \n2024-03-02, 71.4 \n")
    assert table.header == ("Date", "Weight")
    assert table.rows == [("2024-03-02", " 71.4 ")]  # content is not stripped


# --------------------------------------------------------------------------- 4. decimals


#: (text, value) in a decimal-comma file; None: flagged invalid.
DECIMAL_COMMA_CASES = [
    ("1.450", 1450.0),  # "." groups thousands: never 1.45
    ("1.450,5", 1450.5),
    ("12,5", 12.5),
    ("0,75", 0.75),
    ("-3", -3.0),
    ("+2,5", 2.5),
    (" 12 ", 12.0),
    ("12.345.678", 12345678.0),
    ("1.45", None),  # a dot decimal in a decimal-comma file: not guessed
    ("1.4500", None),
    ("12abc", None),
    ("1,2,3", None),
    ("1 450", None),
    (",5", None),
    ("1e3", None),
]
#: (text, value) in a dot-decimal file; None: flagged invalid.
DECIMAL_DOT_CASES = [
    ("1450", 1450.0),
    ("1450.5", 1450.5),
    ("1,450", 1450.0),  # "," groups thousands (quoted in a comma-separated file)
    ("1,450.5", 1450.5),
    ("12,345,678", 12345678.0),
    ("0.75", 0.75),
    ("+7", 7.0),
    ("1,45", None),  # a decimal comma in a dot-decimal file: not guessed
    ("1,4500", None),
    ("1.450,5", None),
    ("12abc", None),
    (".5", None),
]


@pytest.mark.parametrize(
    ("decimal_comma", "cases"),
    [(True, DECIMAL_COMMA_CASES), (False, DECIMAL_DOT_CASES)],
    ids=["decimal-comma", "decimal-dot"],
)
def test_parse_numbers_accepts_only_this_files_convention(
    decimal_comma: bool, cases: list[tuple[str, float | None]]
) -> None:
    values = pl.Series("Calories", [text for text, _ in cases])
    numbers, invalid = parse_numbers(values, decimal_comma=decimal_comma)
    assert numbers.dtype == pl.Float64 and invalid.dtype == pl.Boolean
    assert numbers.to_list() == [value for _, value in cases]
    assert invalid.to_list() == [value is None for _, value in cases]


def test_parse_numbers_missing_tokens_and_nulls_are_null_but_not_invalid() -> None:
    values = pl.Series("Fat (g)", ["", "  ", "n/a", "N/A", "-", "--", None, " n/a ", "none"])
    numbers, invalid = parse_numbers(values, decimal_comma=False)
    assert numbers.to_list() == [None] * 9
    assert invalid.to_list() == [False] * 8 + [True]
    numbers, invalid = parse_numbers(values, decimal_comma=False, missing=("none",))
    assert invalid.to_list() == [True, True, True, True, True, True, False, True, False]


def test_parse_numbers_only_ascii_digits_and_finite_values() -> None:
    values = pl.Series("x", ["\u0661\u0662", "\uff11\uff12", "1" * 400, "12"])  # Arabic, fullwidth
    numbers, invalid = parse_numbers(values, decimal_comma=False)
    assert numbers.to_list() == [None, None, None, 12.0]
    assert invalid.to_list() == [True, True, True, False]


def test_parse_numbers_keeps_the_name_and_rejects_non_strings() -> None:
    numbers, invalid = parse_numbers(pl.Series("Iron", ["14"]), decimal_comma=False)
    assert numbers.name == invalid.name == "Iron"
    with pytest.raises(TypeError):
        parse_numbers(pl.Series("Iron", [14.0]), decimal_comma=False)


def test_semicolon_file_uses_decimal_commas_and_1450_is_not_1_45() -> None:
    data = (
        b"Datum;Mahlzeit;Kalorien;Fett (g)\r\n"
        b"02.03.2024;Fr\xc3\xbchst\xc3\xbcck;1.450;12,5\r\n"
        b"02.03.2024;Mittagessen;650;0,75\r\n"
    )
    table = read_csv(data)
    assert table.decimal_comma is True
    frame = to_frame(table)
    kcal, bad = parse_numbers(frame["Kalorien"], decimal_comma=table.decimal_comma)
    assert kcal.to_list() == [1450.0, 650.0] and not bad.any()
    fat, bad = parse_numbers(frame["Fett (g)"], decimal_comma=table.decimal_comma)
    assert fat.to_list() == [12.5, 0.75] and not bad.any()


def test_semicolon_file_without_dot_decimal_evidence_stays_decimal_comma() -> None:
    # No comma anywhere, but also no dot-decimal evidence: "1.450" keeps its thousands meaning.
    data = b"Date;Meal;Calories\n2024-03-02;Dr. Pepper;1.450\n2024-03-03;Lunch;650\n"
    table = read_csv(data)
    assert table.decimal_comma is True
    kcal, _ = parse_numbers(to_frame(table)["Calories"], decimal_comma=table.decimal_comma)
    assert kcal.to_list() == [1450.0, 650.0]


def test_semicolon_file_with_dot_decimals_and_no_commas_is_detected() -> None:
    data = b'Date;Meal;Calories;Fat (g)\n2024-03-02;Lunch;650;"12.5"\n2024-03-03;Dinner;1.450;8\n'
    table = read_csv(data)
    assert table.decimal_comma is False
    fat, bad = parse_numbers(to_frame(table)["Fat (g)"], decimal_comma=False)
    assert fat.to_list() == [12.5, 8.0] and not bad.any()
    # In a dot-decimal file "1.450" is one point four five.
    kcal, _ = parse_numbers(to_frame(table)["Calories"], decimal_comma=False)
    assert kcal.to_list() == [650.0, 1.45]


def test_semicolon_file_with_any_comma_stays_decimal_comma_and_flags_dot_decimals() -> None:
    data = b"Date;Food Name;Calories\n2024-03-02;Eggs, Cooked;12.5\n2024-03-03;Oats;1.450\n"
    table = read_csv(data)
    assert table.decimal_comma is True
    kcal, bad = parse_numbers(to_frame(table)["Calories"], decimal_comma=True)
    assert kcal.to_list() == [None, 1450.0]
    assert bad.to_list() == [True, False]  # flagged, not guessed


def test_comma_file_uses_dot_decimals_with_quoted_thousands() -> None:
    row = MFP_ROW_1.replace(",412,", ',"1,450",')  # thousands are quoted in a comma file
    data = f"{MFP_HEADER}\n{row}\n".encode()
    table = read_csv(data)
    assert table.decimal_comma is False
    frame = to_frame(table)
    kcal, _ = parse_numbers(frame["Calories"], decimal_comma=False)
    fat, _ = parse_numbers(frame["Fat (g)"], decimal_comma=False)
    assert (kcal.to_list(), fat.to_list()) == ([1450.0], [14.2])


# --------------------------------------------------------------------------- 5. repeated header


def test_a_header_repeated_mid_file_is_dropped_and_noted() -> None:
    # Two exports concatenated with `cat`: the second still starts with its BOM.
    first = b"\xef\xbb\xbf" + f"{MFP_HEADER}\r\n{MFP_ROW_1}\r\n".encode()
    second = b"\xef\xbb\xbf" + f"{MFP_HEADER}\r\n{MFP_ROW_2}\r\n".encode()
    table = read_csv(first + second)
    assert table.rows == [tuple(MFP_ROW_1.split(",")), tuple(MFP_ROW_2.split(","))]
    assert table.lines == [2, 4]
    assert table.repairs == ("line 3: repeated header row dropped",)


# --------------------------------------------------------------------------- 6. ragged rows


def test_unquoted_line_breaks_in_the_last_note_column_are_joined() -> None:
    # Continuation lines without a delimiter (a blank one included) belong to the Note.
    data = (
        f"{MFP_HEADER}\r\n"
        f"{MFP_ROW_1}\r\n"
        f"{MFP_ROW_2.removesuffix('ok')}Long run tomorrow\r\n"
        "carb loading: rice and pasta\r\n"
        "\r\n"
        'felt "great"\r\n'
        f"{MFP_ROW_1.replace('2024-03-02', '2024-03-03')}\r\n"
    ).encode()
    table = read_csv(data)
    assert len(table.rows) == 3
    assert table.rows[1][-1] == 'Long run tomorrow\ncarb loading: rice and pasta\n\nfelt "great"'
    assert table.rows[1][:3] == ("2024-03-02", "Lunch", "650")
    assert table.lines == [2, 3, 7]
    assert table.repairs == ("lines 3-6: unquoted line breaks in 'Note' joined",)


def test_a_single_continuation_line_is_noted_as_one_line_break() -> None:
    data = f"{MFP_HEADER}\n{MFP_ROW_2}\nstill ok\n".encode()
    table = read_csv(data)
    assert table.rows[0][-1] == "ok\nstill ok"
    assert table.repairs == ("lines 2-3: unquoted line break in 'Note' joined",)


def test_too_many_fields_is_an_error_naming_line_counts_and_text() -> None:
    row = MFP_ROW_2.removesuffix("ok") + "tired, skipped dessert"  # unquoted comma in Note
    err = _error(f"{MFP_HEADER}\n{MFP_ROW_1}\n{row}\n".encode(), free_text_columns=())
    assert str(err) == (
        "line 3: 21 fields where the header has 20 (an unquoted delimiter or line break?): "
        "'2024-03-02,Lunch,650,22.0,8.0,3.1,9.2,0,…'"
    )
    assert err.line == 3
    assert err.value == "2024-03-02,Lunch,650,22.0,8.0,3.1,9.2,0,"


def test_a_comma_in_an_unquoted_note_on_the_row_line_is_note_text() -> None:
    row = MFP_ROW_2.removesuffix("ok") + 'tired, skipped "dessert", slept 9 h'
    table = read_csv(f"{MFP_HEADER}\n{MFP_ROW_1}\n{row}\n".encode(), date_format="%Y-%m-%d")
    assert table.rows[1] == (*MFP_ROW_2.split(",")[:19], 'tired, skipped "dessert", slept 9 h')
    assert table.lines == [2, 3]
    assert table.repairs == ("line 3: ',' in unquoted 'Note' kept as text",)


def test_a_continuation_line_holding_a_delimiter_is_note_text() -> None:
    data = f"{MFP_HEADER}\n{MFP_ROW_2}\ncarb loading: rice, pasta\n".encode()
    table = read_csv(data, date_format="%Y-%m-%d")
    assert table.rows == [(*MFP_ROW_2.split(",")[:19], "ok\ncarb loading: rice, pasta")]
    assert table.repairs == ("lines 2-3: unquoted line break in 'Note' joined",)


def test_a_line_break_in_a_free_text_column_that_is_not_last_is_an_error() -> None:
    # Cronometer's Food Name is free text but not the last column: never repaired.
    broken = CRONO_ROW.replace('"Eggs, Cooked"', "Eggs\nCooked")
    err = _error(f"{CRONO_HEADER}\n{broken}\n".encode(), free_text_columns=("Food Name",))
    assert str(err) == (
        "line 2: 4 fields where the header has 57 (an unquoted delimiter or line break?): "
        "'2022-11-03,9:51 AM,\"Breakfast\",Eggs'\n"
        "line 3: 54 fields where the header has 57 (an unquoted delimiter or line break?): "
        "'Cooked,\"4.00 medium\",272.80,0.00,0.00,13…'"
    )
    assert err.line == 2


def test_a_line_break_without_a_free_text_column_is_an_error() -> None:
    data = (
        f"{LOSEIT_HEADER}\n"
        "03/02/2024,Banana\n"
        ",Fruit,Breakfast,1,Medium,105,false,0.4,1.3,27,0.1,14,3.1,0,1\n"
    ).encode()
    err = _error(data)
    assert str(err).splitlines() == [
        "line 2: 2 fields where the header has 16 (an unquoted delimiter or line break?): "
        "'03/02/2024,Banana'",
        "line 3: 15 fields where the header has 16 (an unquoted delimiter or line break?): "
        "',Fruit,Breakfast,1,Medium,105,false,0.4,…'",
    ]


def test_a_continuation_line_right_after_the_header_is_an_error() -> None:
    err = _error(f"{MFP_HEADER}\nstray text\n{MFP_ROW_1}\n".encode())
    assert err.line == 2
    assert str(err).startswith("line 2: 1 field where the header has 20")


def test_many_bad_rows_are_listed_up_to_five_then_counted() -> None:
    data = "Date,Weight\n" + "".join(f"2024-03-{d:02d},71,4\n" for d in range(1, 9))
    err = _error(data.encode())
    lines = str(err).splitlines()
    assert lines[0] == (
        "line 2: 3 fields where the header has 2 (an unquoted delimiter or line break?): "
        "'2024-03-01,71,4'"
    )
    assert [line.split(":")[0] for line in lines[:5]] == [f"line {n}" for n in range(2, 7)]
    assert lines[5] == "... and 3 more rows with the wrong field count"


def test_a_quoted_field_never_closed_is_an_error() -> None:
    data = f'{MFP_HEADER}\n{MFP_ROW_1}\n{MFP_ROW_2.removesuffix("ok")}"Long run\nmore\n'.encode()
    err = _error(data)
    assert err.line == 3
    assert str(err).startswith(
        "line 3: a quoted field opened here is never closed (it runs to the end of the file, "
        "line 4)"
    )


# --------------------------------------------------------------------------- 6b. notes across lines

#: MyFitnessPal's per-entry Nutrition-Summary header (21 columns: `Time` after `Meal`).
MFP_ENTRY_HEADER = MFP_HEADER.replace("Date,Meal,", "Date,Meal,Time,")
#: A real-shaped export whose notes run over lines, unquoted, with CRLF line ends: commas,
#: quotes, bullets, blank lines, lines starting with digits or with a date in another order,
#: and a quote opened at the start of a note line that is never closed.
NOTES_EXPORT_LINES = [
    MFP_ENTRY_HEADER,
    "2024-03-04,Breakfast,7:10 AM,412,14.2,5.1,1.8,5.6,0,186,520,310,48.5,6.1,9.4,22.3,8,12,"
    "15,14,Pre-run:",  # line 2
    "3 eggs, toast",
    "- coffee (black)",
    "",
    '\u2022 banana, "ripe"',  # line 6
    "2024-03-04,Lunch,12:30 PM,650,22.0,8.0,3.1,9.2,0,75,890,540,72.0,9.5,11.2,38.0,10,25,12,"
    "18,",  # line 7: no note
    "2024-03-04,Dinner,7:45 PM,810,25,9,3,10,0,90,900,700,95,9,10,48.6,4,30,20,25,"
    "Race plan, week 12:",  # line 8
    "10 x 400 m, 90 s rest",
    "",
    "",
    "03/05/2024, taper starts",
    '"Coach: eat more carbs',  # line 13
    "2024-03-05,Breakfast,,300,10,2,1,2,0,20,300,150,40.5,4.5,12,14.2,2,0,10,3,"
    'felt "great"',  # line 14
    "",
]
NOTES_EXPORT = "\r\n".join(NOTES_EXPORT_LINES).encode()
#: The notes as typed, one per row, and the physical line each row starts on.
NOTES = [
    'Pre-run:\n3 eggs, toast\n- coffee (black)\n\n\u2022 banana, "ripe"',
    "",
    'Race plan, week 12:\n10 x 400 m, 90 s rest\n\n\n03/05/2024, taper starts\n"Coach: eat '
    "more carbs",
    'felt "great"',
]
NOTE_LINES = [2, 7, 8, 14]


def test_notes_across_lines_are_joined_where_no_line_could_start_a_row() -> None:
    table = read_csv(NOTES_EXPORT, date_format="%Y-%m-%d")
    assert [row[-1] for row in table.rows] == NOTES
    assert table.lines == NOTE_LINES
    # every other column exactly as on the row's own line
    assert [row[:20] for row in table.rows] == [
        tuple(NOTES_EXPORT_LINES[n - 1].split(",")[:20]) for n in NOTE_LINES
    ]
    assert table.repairs == (
        "lines 2-6: unquoted line breaks in 'Note' joined",
        "line 8: ',' in unquoted 'Note' kept as text",
        "lines 8-13: unquoted line breaks in 'Note' joined",
    )


def test_without_a_date_order_any_date_like_first_cell_could_start_a_row() -> None:
    # "03/05/2024, taper starts" could be a US-order row: without the file's order the
    # split is undecidable and the file refused, naming the line.
    err = _error(NOTES_EXPORT)
    assert err.line == 12
    assert str(err) == (
        "lines 12-13: 2 fields where the header has 21, but line 12 begins like a row (a "
        "date, then ','): a broken row (a line break before 'Note'?) or a line of the 'Note' "
        "of lines 8-9 that starts with a date; the row split cannot be decided: "
        "'03/05/2024, taper starts'"
    )


def test_a_note_line_that_begins_with_a_date_in_the_files_order_is_undecidable() -> None:
    data = (
        f"{MFP_HEADER}\n{MFP_ROW_2}\nplan for the week:\n2024-03-09, race day\n"
        f"{MFP_ROW_1.replace('2024-03-02', '2024-03-10')}\n"
    ).encode()
    err = _error(data, date_format="%Y-%m-%d")
    assert str(err) == (
        "line 4: 2 fields where the header has 20, but line 4 begins like a row (a date in "
        "the order YYYY-MM-DD, then ','): a broken row (a line break before 'Note'?) or a "
        "line of the 'Note' of lines 2-3 that starts with a date; the row split cannot be "
        "decided: '2024-03-09, race day'"
    )
    assert (err.line, err.value) == (4, "2024-03-09, race day")


def test_a_continuation_line_as_wide_as_a_row_is_refused() -> None:
    # A row whose date is in another order must not vanish into the note above it.
    us_row = MFP_ROW_1.replace("2024-03-02", "03/03/2024")
    data = f"{MFP_HEADER}\n{MFP_ROW_2}\nsecond line, with a comma\n{us_row}\n".encode()
    err = _error(data, date_format="%Y-%m-%d")
    assert err.line == 4
    assert str(err) == (
        "line 4: 20 fields like a row, but it does not begin with a date in the order "
        "YYYY-MM-DD and ',': a row whose date does not read, or a line of the 'Note' of line "
        "2?: '03/03/2024,Breakfast,412,14.2,5.1,1.8,5.…'"
    )


def test_a_line_break_before_the_note_column_is_refused_with_its_lines() -> None:
    broken = MFP_ROW_2.replace("Lunch,", "Lunch\nlate,", 1)  # 21 fields over two lines
    data = f"{MFP_HEADER}\n{MFP_ROW_1}\n{broken}\nnote text\n".encode()
    err = _error(data, date_format="%Y-%m-%d")
    assert err.line == 3
    assert str(err).startswith(
        "lines 3-5: 2 fields where the header has 20, but line 3 begins like a row (a date in "
        "the order YYYY-MM-DD, then ','): a broken row (a line break before 'Note'?) or a "
        "line of the 'Note' of line 2 that starts with a date; the row split cannot be decided"
    )
    # the same break in the first row, with no row before it
    err = _error(f"{MFP_HEADER}\n{broken}\nnote text\n".encode(), date_format="%Y-%m-%d")
    assert str(err).startswith(
        "lines 2-4: 2 fields where the header has 20, then lines that do not begin with a "
        "date in the order YYYY-MM-DD and ',' (a line break in a column before 'Note'?)"
    )


def test_a_quote_opened_in_a_note_never_swallows_the_rows_after_it() -> None:
    # Read as CSV, the quote opened on line 2 closes on line 3 and hides that row inside
    # the note; the line that could start a row splits them.
    first = MFP_ROW_2.removesuffix("ok") + '"Coach: easy week'
    second = MFP_ROW_1.replace("2024-03-02", "2024-03-03") + 'he said "hi"'
    data = f"{MFP_HEADER}\n{first}\n{second}\n{MFP_ROW_1}\n".encode()
    assert len(list(csv.reader(io.StringIO(data.decode())))) == 3  # header + 2: one lost
    table = read_csv(data, date_format="%Y-%m-%d")
    assert [row[-1] for row in table.rows] == ['"Coach: easy week', 'he said "hi"', ""]
    assert [row[0] for row in table.rows] == ["2024-03-02", "2024-03-03", "2024-03-02"]


def test_a_quoted_note_holding_a_line_that_could_start_a_row_is_refused() -> None:
    quoted = MFP_ROW_2.removesuffix("ok") + '"Plan:\n2024-03-09,race"'
    err = _error(f"{MFP_HEADER}\n{quoted}\n".encode(), date_format="%Y-%m-%d")
    assert err.line == 3 and "the row split cannot be decided" in str(err)


def test_properly_quoted_notes_across_lines_are_read_as_quoted() -> None:
    quoted = MFP_ROW_2.removesuffix("ok") + '"Long run, 30 km\n\n""easy"" pace"'
    data = f"{MFP_HEADER}\n{quoted}\n{MFP_ROW_1}\nmore text, after\n".encode()
    table = read_csv(data, date_format="%Y-%m-%d")
    assert [row[-1] for row in table.rows] == ['Long run, 30 km\n\n"easy" pace',
                                               "\nmore text, after"]
    assert table.lines == [2, 5]
    assert table.repairs == ("lines 5-6: unquoted line break in 'Note' joined",)


def test_the_header_is_read_first_and_the_rows_once_as_the_header_says() -> None:
    opened = open_csv(NOTES_EXPORT)
    assert opened.header == tuple(MFP_ENTRY_HEADER.split(","))
    table = read_rows(opened, free_text_columns=("Note",), date_format="%Y-%m-%d")
    assert [row[-1] for row in table.rows] == NOTES
    with pytest.raises(ValueError, match="read already"):
        read_rows(opened)


def test_two_exports_with_notes_concatenated_keep_every_row() -> None:
    first = b"\xef\xbb\xbf" + f"{MFP_HEADER}\r\n{MFP_ROW_2}, then nap\r\n- 20 min\r\n".encode()
    second = b"\xef\xbb\xbf" + f"{MFP_HEADER}\r\n{MFP_ROW_1}\r\n".encode()
    table = read_csv(first + second, date_format="%Y-%m-%d")
    assert [row[-1] for row in table.rows] == ["ok, then nap\n- 20 min", ""]
    assert table.lines == [2, 5]
    assert table.repairs == (
        "line 2: ',' in unquoted 'Note' kept as text",
        "lines 2-3: unquoted line break in 'Note' joined",
        "line 4: repeated header row dropped",
    )


def test_a_note_across_lines_in_day_first_order_with_semicolons() -> None:
    header = "Datum;Mahlzeit;Kalorien;Note"
    data = (f"{header}\n04.03.2024;Frühstück;412,5;3 Eier; Toast\n"
            "1.3.2024; anderes Format ist kein Datum hier? doch!\n"
            "04.03.2024;Mittag;650;\n").encode()
    err = _error(data, date_format="%d.%m.%Y")
    assert err.line == 3  # 1.3.2024 is a date in the order DD.MM.YYYY
    data = data.replace(b"1.3.2024;", b"2024-03-01;")  # not in this file's order
    table = read_csv(data, date_format="%d.%m.%Y")
    assert [row[-1] for row in table.rows] == [
        "3 Eier; Toast\n2024-03-01; anderes Format ist kein Datum hier? doch!", ""]
    assert table.decimal_comma


# --------------------------------------------------------------------------- 7. empty files


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\r\n\r\n", b"\xff\xfe"])
def test_no_bytes_or_no_header_is_an_empty_file_error(data: bytes) -> None:
    err = _error(data)
    assert str(err) == "empty file"


def test_a_header_only_file_has_zero_rows() -> None:
    table = read_csv(f"{MFP_HEADER}\r\n".encode())
    assert table.header == MFP_COLUMNS
    assert (table.rows, table.lines, table.repairs) == ([], [], ())
    frame = to_frame(table)
    assert frame.columns == [*MFP_COLUMNS, "source_line"]
    assert frame.height == 0
    assert frame.schema["Calories"] == pl.String
    assert frame.schema["source_line"] == pl.Int32


def test_blank_lines_between_rows_are_ignored() -> None:
    table = read_csv(b"Date,Weight\n\n2024-03-02,71.4\n\n\n2024-03-03,71.1\n\n")
    assert table.rows == [("2024-03-02", "71.4"), ("2024-03-03", "71.1")]
    assert table.lines == [3, 6]


# --------------------------------------------------------------------------- 8. skip_lines


def test_skip_lines_passes_over_samsung_metadata_before_the_header() -> None:
    data = (
        b"com.samsung.health.food_intake,6313001,2\n"
        b"calorie,name,meal_type,start_time\n"
        b"412.0,Oatmeal,100001,2024-03-02 07:45:00.000\n"
        b"650.0,Chicken rice,100002,2024-03-02 12:30:00.000\n"
    )
    table = read_csv(data, skip_lines=1)
    assert table.header == ("calorie", "name", "meal_type", "start_time")
    assert table.rows[1] == ("650.0", "Chicken rice", "100002", "2024-03-02 12:30:00.000")
    assert table.lines == [3, 4]


def test_skip_lines_past_the_end_is_an_empty_file() -> None:
    err = _error(b"com.samsung.health.food_intake,6313001,2\n", skip_lines=1)
    assert str(err).startswith("empty file")
    err = _error(b"one\n", skip_lines=3)
    assert str(err) == "empty file: nothing after the 3 skipped lines"


# --------------------------------------------------------------------------- to_frame


def test_to_frame_names_lines_and_empty_rows() -> None:
    table = CsvTable(
        header=("Date", "Note", "Note", "source_line"),
        rows=[("2024-03-02", "a", "b", "x"), ("", "", " ", ""), ("2024-03-03", "", "", "")],
        lines=[2, 3, 5],
        encoding="utf-8",
        delimiter=",",
        decimal_comma=False,
        repairs=(),
    )
    frame = to_frame(table)
    assert frame.columns == ["Date", "Note", "Note (2)", "source_line (2)", "source_line"]
    assert frame.schema["source_line"] == pl.Int32
    assert all(frame.schema[c] == pl.String for c in frame.columns[:-1])
    assert frame.rows() == [("2024-03-02", "a", "b", "x", 2), ("2024-03-03", "", "", "", 5)]


def test_to_frame_of_a_read_file_keeps_physical_lines() -> None:
    data = f'{MFP_HEADER}\n{MFP_ROW_1}"two\nlines"\n{",".join([""] * 20)}\n{MFP_ROW_2}\n'
    frame = to_frame(read_csv(data.encode()))
    assert frame["source_line"].to_list() == [2, 5]
    assert frame["Note"].to_list() == ["two\nlines", "ok"]


# --------------------------------------------------------------------------- the real export


def test_real_cronometer_servings_export() -> None:
    if not REAL_SERVINGS.exists():
        pytest.skip(f"real Cronometer export not found at {REAL_SERVINGS} (the shared/ folder)")
    data = REAL_SERVINGS.read_bytes()
    with io.StringIO(data.decode("utf-8"), newline="") as fh:
        reference = list(csv.reader(fh))
    header, body = reference[0], reference[1:]
    energy = header.index("Energy (kcal)")
    expected_sum = math.fsum(float(row[energy]) for row in body if row[energy])

    table = read_csv(data)
    assert table.header == tuple(header)
    assert "B12 (Cobalamin) (µg)" in table.header
    assert (table.encoding, table.delimiter, table.decimal_comma) == ("utf-8", ",", False)
    assert len(table.rows) == len(body)
    assert table.repairs == ()
    frame = to_frame(table)
    assert frame.height == len(body)
    kcal, invalid = parse_numbers(frame["Energy (kcal)"], decimal_comma=table.decimal_comma)
    assert not invalid.any()
    assert kcal.sum() == pytest.approx(expected_sum, abs=1e-6)
