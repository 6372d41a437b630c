"""Every export format, from hand-written files in the real header shapes, with per-day
totals worked out by hand."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from schemas.nutrition import (
    FORMAT_BY_NAME,
    KG_PER_LB,
    KJ_PER_KCAL,
    ExportFormat,
    detect_format,
    generic_format,
)
from tests.helpers import SHARED
from transforms.csv_read import CsvError, read_csv, to_frame
from transforms.nutrition import AthleteFacts, Normalized, covered_dates, normalize, read_export

MFP_MEALS = (
    "Date,Meal,Calories,Fat (g),Saturated Fat,Polyunsaturated Fat,Monounsaturated Fat,"
    "Trans Fat,Cholesterol,Sodium (mg),Potassium,Carbohydrates (g),Fiber,Sugar,Protein (g),"
    "Vitamin A,Vitamin C,Calcium,Iron,Note"
)
MFP_ENTRIES = MFP_MEALS.replace("Date,Meal,", "Date,Meal,Time,")
MFP_ENTRIES_NO_NOTE = MFP_ENTRIES.removesuffix(",Note")
CRONO_SERVINGS = (
    "Day,Time,Group,Food Name,Amount,Energy (kcal),Alcohol (g),Caffeine (mg),Water (g),"
    "B1 (Thiamine) (mg),B12 (Cobalamin) (\u00b5g),Folate (\u00b5g),Carbs (g),Fiber (g),"
    "Starch (g),Sugars (g),Net Carbs (g),Fat (g),Cholesterol (mg),Protein (g),Leucine (g),"
    "Category"
)
CRONO_DAILY = (
    "Date,Energy (kcal),Alcohol (g),Caffeine (mg),Water (g),B12 (Cobalamin) (\u00b5g),"
    "Carbs (g),Fiber (g),Starch (g),Sugars (g),Net Carbs (g),Fat (g),Cholesterol (mg),"
    "Protein (g),Leucine (g),Completed"
)


def _format(header: tuple[str, ...], fmt_name: str | None = None) -> ExportFormat:
    fmt = FORMAT_BY_NAME[fmt_name] if fmt_name else detect_format(header)
    assert fmt is not None, header
    return fmt


def _read(text: str | bytes, fmt_name: str | None = None, **facts) -> tuple[str, Normalized]:
    """Read an export as the ingest flow does (read_export), and normalise it."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    fmt, table = read_export(data, lambda header: _format(header, fmt_name))
    return fmt.name, normalize(to_frame(table), fmt, decimal_comma=table.decimal_comma,
                               athlete=AthleteFacts(**facts))


def _per_day(result: Normalized, *columns: str) -> dict[date, tuple]:
    assert result.ok, result.problems
    grouped = result.rows.group_by("local_date").agg(pl.col(c).sum() for c in columns)
    return {r[0]: tuple(round(v, 6) for v in r[1:]) for r in grouped.sort("local_date").rows()}


def test_myfitnesspal_per_meal_with_note() -> None:
    text = "\n".join([
        MFP_MEALS,
        "2024-03-04,Breakfast,520,18.5,6,2,8,0,210,480,300,60.2,7,12,31.4,10,20,15,12,",
        '2024-03-04,Lunch,810,25,9,3,10,0,90,900,700,95,9,10,48.6,4,30,20,25,"rice, chicken"',
        "2024-03-04,Snack (1),150,5,2,1,2,0,10,100,200,20,2,15,6,0,0,5,2,",
        "2024-03-05,Dinner,700,30,10,4,12,0,120,800,650,55,6,8,52,8,12,18,20,",
    ])
    name, result = _read(text)
    assert name == "myfitnesspal_nutrition"
    assert _per_day(result, "energy_kcal", "protein_g", "carbohydrate_g", "fat_g",
                    "fiber_g") == {
        date(2024, 3, 4): (520 + 810 + 150, 31.4 + 48.6 + 6, 60.2 + 95 + 20, 18.5 + 25 + 5,
                           7 + 9 + 2),
        date(2024, 3, 5): (700, 52, 55, 30, 6),
    }
    assert result.rows["meal"].to_list() == ["Breakfast", "Lunch", "Snack (1)", "Dinner"]
    assert result.rows["grain"].unique().to_list() == ["meal"]


#: A per-entry MyFitnessPal export whose notes run over lines, unquoted (CRLF line ends):
#: commas, quotes, bullets, blank lines, lines starting with digits.
MFP_NOTES_LINES = [
    MFP_ENTRIES,
    "2024-03-04,Breakfast,7:10 AM,412,14.2,5.1,1.8,5.6,0,186,520,310,48.5,6.1,9.4,22.3,8,12,"
    "15,14,Pre-run:",
    "3 eggs, toast",
    "- coffee, black",
    "",
    '\u2022 1 banana ("ripe")',
    "2024-03-04,Lunch,12:30 PM,650,22,8,3.1,9.2,0,75,890,540,72,9.5,11.2,38,10,25,12,18,",
    "2024-03-04,Dinner,7:45 PM,810.5,25,9,3,10,0,90,900,700,95,9,10,48.6,4,30,20,25,"
    "Race plan, week 12:",
    "10 x 400 m, 90 s rest",
    "",
    "2 gels at 30 min",
    "2024-03-05,Breakfast,,300,10,2,1,2,0,20,300,150,40.5,4.5,12,14.2,2,0,10,3,"
    "\"oats, 'overnight'\"",
    "2024-03-05,Snack (1),4:00 PM,150,5,2,1,2,0,10,100,200,20,2,15,6,0,0,5,2,5 almonds",
    "...",
    "",
]


def test_myfitnesspal_notes_across_lines_keep_every_entry_and_note() -> None:
    data = "\r\n".join(MFP_NOTES_LINES).encode()
    fmt, table = read_export(data, _format)
    assert fmt.name == "myfitnesspal_nutrition"
    assert [row[-1] for row in table.rows] == [
        'Pre-run:\n3 eggs, toast\n- coffee, black\n\n\u2022 1 banana ("ripe")',
        "",
        "Race plan, week 12:\n10 x 400 m, 90 s rest\n\n2 gels at 30 min",
        "oats, 'overnight'",
        "5 almonds\n...",
    ]
    _, result = _read(data)
    assert _per_day(result, "energy_kcal", "protein_g", "carbohydrate_g", "fat_g",
                    "fiber_g") == {
        date(2024, 3, 4): (412 + 650 + 810.5, 22.3 + 38 + 48.6, 48.5 + 72 + 95,
                           14.2 + 22 + 25, 6.1 + 9.5 + 9),
        date(2024, 3, 5): (300 + 150, 14.2 + 6, 40.5 + 20, 10 + 5, 4.5 + 2),
    }
    assert result.rows["source_row"].to_list() == [2, 7, 8, 12, 13]
    assert result.rows["meal"].to_list() == ["Breakfast", "Lunch", "Dinner", "Breakfast",
                                             "Snack (1)"]


def test_myfitnesspal_exercise_notes_across_lines() -> None:
    text = "\n".join([
        "Date,Exercise,Type,Exercise Calories,Exercise Minutes,Sets,Reps Per Set,Kilograms,"
        "Steps,Note",
        "2024-03-04,Running (jogging),Cardio,520,45,,,,,Intervals:",
        "6 x 800 m, 2 min jog",
        "2024-03-04,Strength,Strength,120,30.5,3,10,40,,",
        "2024-03-05,Running (jogging),Cardio,300,25,,,,,easy, legs heavy",
    ])
    name, result = _read(text)
    assert name == "myfitnesspal_exercise"
    assert _per_day(result, "minutes", "energy_kcal") == {
        date(2024, 3, 4): (45 + 30.5, 520 + 120), date(2024, 3, 5): (25, 300)}


def test_a_note_line_starting_with_a_date_in_the_files_order_rejects_the_file() -> None:
    lines = [*MFP_NOTES_LINES]
    lines[9] = "2024-03-09, race day"  # in place of the blank line inside the Dinner note
    with pytest.raises(CsvError) as info:
        _read("\r\n".join(lines))
    assert info.value.line == 10
    assert str(info.value).startswith("lines 10-11: 2 fields where the header has 21, but "
                                      "line 10 begins like a row (a date in the order "
                                      "YYYY-MM-DD, then ',')")


def test_myfitnesspal_per_entry_with_time_and_without_note() -> None:
    with_note = "\n".join([
        MFP_ENTRIES,
        "2024-03-04,Breakfast,7:45 AM,300,10,0,0,0,0,0,0,0,30,3,0,20,0,0,0,0,",
        "2024-03-04,Breakfast,,200,5,0,0,0,0,0,0,0,25,2,0,10.5,0,0,0,0,",
    ])
    name, result = _read(with_note)
    assert name == "myfitnesspal_nutrition"
    assert _per_day(result, "energy_kcal", "protein_g") == {date(2024, 3, 4): (500, 30.5)}
    assert result.rows["local_time"].to_list()[0].strftime("%H:%M") == "07:45"
    assert result.rows["local_time"].to_list()[1] is None
    without_note = "\n".join([
        MFP_ENTRIES_NO_NOTE,
        "2024-03-06,Dinner,6:30 PM,640,20,0,0,0,0,0,0,0,70,8,0,40,0,0,0,0",
    ])
    name, result = _read(without_note)
    assert name == "myfitnesspal_nutrition"
    assert _per_day(result, "energy_kcal", "fiber_g") == {date(2024, 3, 6): (640, 8)}


def test_myfitnesspal_measurements_follow_the_weight_unit_setting() -> None:
    text = "Date,Weight\n2024-03-04,154.3\n2024-03-05,\n2024-03-06,153.9\n"
    _, as_lb = _read(text, "myfitnesspal_measurement", weight_unit="lb", height_cm=175)
    assert _per_day(as_lb, "weight_kg") == {
        date(2024, 3, 4): (round(154.3 * KG_PER_LB, 6),),
        date(2024, 3, 6): (round(153.9 * KG_PER_LB, 6),),
    }
    _, as_kg = _read(text, "myfitnesspal_measurement", weight_unit="kg", height_cm=175)
    assert not as_kg.ok and "look like lb" in as_kg.problems[0]
    _, kg_as_lb = _read("Date,Weight\n2024-03-04,70.1\n", "myfitnesspal_measurement",
                        weight_unit="lb", weight_kg=70)
    assert not kg_as_lb.ok and "look like kg" in kg_as_lb.problems[0]


def test_myfitnesspal_exercise_is_kept_as_reported() -> None:
    text = ("Date,Exercise,Type,Exercise Calories,Exercise Minutes,Sets,Reps Per Set,Kilograms,"
            "Steps,Note\n2024-03-04,Running (jogging),Cardiovascular,450,42,,,,,\n"
            "2024-03-04,Health Connect calorie adjustment,Cardiovascular,120,0,,,,,\n")
    name, result = _read(text)
    assert name == "myfitnesspal_exercise"
    assert result.rows["energy_kcal"].to_list() == [450, 120]
    assert result.rows["minutes"].to_list() == [42, 0]


def test_cronometer_servings_and_daily_summary() -> None:
    servings = "\r\n".join([
        CRONO_SERVINGS,
        '2024-03-04,9:51 AM,"Breakfast","Eggs, Cooked","4.00 medium",272.80,0.00,0.00,131.33,'
        '0.12,1.95,77.44,1.97,0.00,0.00,1.97,1.96,18.67,656.48,22.14,1.89,"Dairy and Egg"',
        '2024-03-04,12:30 PM,"Lunch","Brown Rice","1.00 cup",216.45,0.00,0.00,140.00,0.19,'
        '0.00,7.80,44.77,3.51,40.00,0.68,41.26,1.76,0.00,5.03,0.41,"Cereal Grains"',
        '2024-03-05,,"Snacks","Quick Add","1.00 serving",100.00,0.00,0.00,0.00,0.00,0.00,0.00,'
        '10.00,0.00,0.00,0.00,10.00,2.00,0.00,8.00,0.00,"Quick Add"',
    ])
    name, result = _read(servings)
    assert name == "cronometer_servings"
    assert _per_day(result, "energy_kcal", "protein_g", "carbohydrate_g", "fiber_g") == {
        date(2024, 3, 4): (round(272.80 + 216.45, 6), round(22.14 + 5.03, 6),
                           round(1.97 + 44.77, 6), 3.51),
        date(2024, 3, 5): (100.0, 8.0, 10.0, 0.0),
    }
    assert result.rows["food"].to_list()[0] == "Eggs, Cooked"
    daily = "\n".join([
        CRONO_DAILY,
        "2024-03-04,2410.50,0.00,95.00,2100.00,4.10,280.40,31.20,120.00,60.00,249.20,85.30,"
        "300.00,142.70,11.00,true",
        "2024-03-05,1890.00,0.00,0.00,1800.00,2.00,190.00,25.00,80.00,40.00,165.00,70.00,"
        "200.00,120.00,9.00,false",
    ])
    name, result = _read(daily)
    assert name == "cronometer_dailysummary"
    assert _per_day(result, "energy_kcal", "protein_g", "fat_g") == {
        date(2024, 3, 4): (2410.5, 142.7, 85.3), date(2024, 3, 5): (1890.0, 120.0, 70.0)}
    assert result.rows["grain"].unique().to_list() == ["day"]
    assert result.rows["day_completed"].to_list() == [True, False]
    assert result.rows["day_completed"].dtype == pl.Boolean


def test_cronometer_completed_flag_empty_is_unknown_and_other_text_rejects_the_file() -> None:
    row = "2024-03-0{},1000,0,0,0,0,100,10,0,0,90,30,0,60,0,{}"
    name, result = _read("\n".join([CRONO_DAILY, row.format(4, ""), row.format(5, "TRUE"),
                                    row.format(6, "False")]))
    assert name == "cronometer_dailysummary"
    assert result.ok, result.problems
    assert result.rows["day_completed"].to_list() == [None, True, False]
    _, bad = _read("\n".join([CRONO_DAILY, row.format(4, "maybe")]))
    assert bad.problems == ["line 2, column 'Completed': 'maybe' is not true or false"]


def test_exports_without_a_completion_flag_leave_it_unknown() -> None:
    # the real Cronometer export (servings: no Completed column) and a MyFitnessPal file
    real_file = SHARED / "fixtures" / "nutrition" / "cronometer" / "servings.csv"
    if not real_file.exists():
        pytest.skip(f"real Cronometer export not found at {real_file}")
    data = real_file.read_bytes()
    name, real = _read(data)
    assert name == "cronometer_servings"
    assert real.ok and real.rows.height > 0
    assert real.rows["day_completed"].null_count() == real.rows.height
    _, mfp = _read("\n".join([MFP_MEALS, "2024-03-04,Lunch,810,25,9,3,10,0,90,900,700,95,9,"
                              "10,48.6,4,30,20,25,"]))
    assert mfp.rows["day_completed"].to_list() == [None]


def test_cronometer_biometrics_weight_and_body_fat() -> None:
    text = "\n".join([
        "Day,Time,Group,Metric,Unit,Amount",
        '2024-03-04,7:02 AM,Uncategorized,"Weight",kg,70.40',
        '2024-03-04,7:02 AM,Uncategorized,"Body Fat",%,17.5',
        '2024-03-04,12:00 AM,Uncategorized,"Heart Rate (Garmin)",bpm,63.0',
        '2024-03-05,7:10 AM,Uncategorized,"Weight (Garmin)",lbs,155.0',
        '2024-03-05,8:30 AM,Beetus,"Blood Glucose",mg/dL,258.0',
    ])
    name, result = _read(text)
    assert name == "cronometer_biometrics"
    rows = result.rows.sort("local_date")
    assert rows["weight_kg"].to_list() == [70.4, pytest.approx(155.0 * KG_PER_LB)]
    assert rows["body_fat_pct"].to_list() == [17.5, None]


def test_cronometer_exercises_burned_calories_are_positive() -> None:
    text = ("Day,Group,Exercise,Minutes,Calories Burned\n"
            "2024-03-04,Uncategorized,Running,45.00,-520.00\n")
    name, result = _read(text)
    assert name == "cronometer_exercises"
    assert result.rows["energy_kcal"].to_list() == [520.0]


def test_macrofactor_food_diary() -> None:
    text = "\n".join([
        "Date,Time,Food Name,Serving Size,Serving Qty,Serving Weight (g),Calories (kcal),"
        "Protein (g),Carbs (g),Fat (g),Fiber (g),Sugar (g)",
        "2024-03-04,08:15,Oats,1 cup,1,81,307,10.7,54.8,5.3,8.2,0.8",
        "2024-03-04,13:00,Chicken breast,100 g,1.5,150,248,46.5,0,5.4,0,0",
    ])
    name, result = _read(text)
    assert name == "macrofactor"
    assert _per_day(result, "energy_kcal", "protein_g", "fiber_g") == {
        date(2024, 3, 4): (307 + 248, round(10.7 + 46.5, 6), 8.2)}
    assert result.rows["local_time"].to_list()[1].strftime("%H:%M") == "13:00"


def test_loseit_drops_deleted_rows_and_reads_month_first_dates() -> None:
    text = "\n".join([
        "Date,Name,Icon,Meal,Quantity,Units,Calories,Deleted,Fat (g),Protein (g),"
        "Carbohydrates (g),Saturated Fat (g),Sugars (g),Fiber (g),Cholesterol (mg),Sodium (mg)",
        "03/04/2024,Banana,Banana,Breakfast,1,Each,105,false,0.4,1.3,27,0.1,14,3.1,0,1",
        "03/04/2024,Pizza,Pizza,Dinner,2,Slice,570,true,24,24,66,10,7,4,50,1300",
        "03/12/2024,Yogurt,Yogurt,Snacks,1,Cup,150,false,4,n/a,17,2.5,17,n/a,15,110",
    ])
    name, result = _read(text)
    assert name == "loseit_food"
    assert result.dropped_deleted == 1
    per_day = _per_day(result, "energy_kcal")
    assert per_day == {date(2024, 3, 4): (105,), date(2024, 3, 12): (150,)}  # 12 March
    yogurt = result.rows.filter(pl.col("food") == "Yogurt").row(0, named=True)
    assert yogurt["protein_g"] is None and yogurt["fiber_g"] is None  # n/a is missing, not 0


def test_loseit_weights() -> None:
    text = ("Date,Weight,Last Updated,Deleted\n03/04/2024,154.2,03/04/2024 07:10,false\n"
            "03/05/2024,999,03/05/2024 07:10,true\n")
    name, result = _read(text, weight_unit="lb", height_cm=175)
    assert name == "loseit_weights"
    assert result.rows["weight_kg"].to_list() == [pytest.approx(154.2 * KG_PER_LB)]


def test_generic_csv_in_kilojoules_with_day_first_dates() -> None:
    fmt = generic_format({"date": "Datum", "energy": "Energie", "protein": "Eiweiss",
                          "carbohydrate": "KH", "fat": "Fett", "meal": "Mahlzeit"},
                         energy_unit="kJ", date_format="%d.%m.%Y")
    data = ("Datum;Mahlzeit;Energie;Eiweiss;KH;Fett\n"
            "04.03.2024;Frühstück;2.092;25,5;60;12\n"
            "04.03.2024;Mittag;4.184,0;40;90,5;20\n").encode("cp1252")
    table = read_csv(data)
    result = normalize(to_frame(table), fmt, decimal_comma=table.decimal_comma)
    assert result.ok, result.problems
    assert result.rows["energy_kcal"].to_list() == [pytest.approx(2092 / KJ_PER_KCAL),
                                                    pytest.approx(1000.0)]
    assert result.rows["meal"].to_list() == ["Frühstück", "Mittag"]
    assert result.rows["local_date"].unique().to_list() == [date(2024, 3, 4)]


@pytest.mark.parametrize(
    ("row", "needle"),
    [
        ("2024-13-04,Lunch,500,1,1,1,1,1,1,1,1,50,5,5,30,1,1,1,1,", "'2024-13-04' is not a date"),
        ("04/03/2024,Lunch,500,1,1,1,1,1,1,1,1,50,5,5,30,1,1,1,1,", "order YYYY-MM-DD"),
        ("2024-03-04,Lunch,-50,1,1,1,1,1,1,1,1,50,5,5,30,1,1,1,1,", "'-50' is outside"),
        ("2024-03-04,Lunch,25000,1,1,1,1,1,1,1,1,50,5,5,30,1,1,1,1,", "20,000 kcal per row"),
        ("2024-03-04,Lunch,500,1,1,1,1,1,1,1,1,50,5,5,abc,1,1,1,1,", "'abc' is not a number"),
    ],
    ids=["month-13", "wrong-order", "negative", "absurd-energy", "not-a-number"],
)
def test_bad_values_reject_the_file_naming_line_and_column(row: str, needle: str) -> None:
    good = "2024-03-04,Breakfast,300,1,1,1,1,1,1,1,1,50,5,5,20,1,1,1,1,"
    _, result = _read("\n".join([MFP_MEALS, good, row]))
    assert not result.ok
    assert any(needle in p and p.startswith("line 3, column ") for p in result.problems), (
        result.problems)


def test_month_first_dates_never_swap() -> None:
    """Lose It! writes MM/DD/YYYY: 13/04/2024 is an error, not the 13th of April."""
    text = ("Date,Name,Icon,Meal,Quantity,Units,Calories,Deleted,Fat (g),Protein (g),"
            "Carbohydrates (g)\n13/04/2024,Banana,B,Breakfast,1,Each,105,false,0.4,1.3,27\n")
    _, result = _read(text)
    assert not result.ok and "order MM/DD/YYYY" in result.problems[0]


def test_decimal_comma_thousands_are_never_off_by_1000() -> None:
    data = (b"Date;Energy (kcal);Protein (g);Carbs (g);Fat (g);Fiber (g);Completed\n"
            b"2024-03-04;1.450;120,5;150;50;20;true\n"
            b"2024-03-05;2.010,5;98;210;70;25;true\n")
    name, result = _read(data)
    assert name == "cronometer_dailysummary"
    assert result.rows["energy_kcal"].to_list() == [1450.0, 2010.5]
    assert result.rows["protein_g"].to_list() == [120.5, 98.0]


def test_covered_dates_span_first_to_last_day() -> None:
    rows = pl.DataFrame({"local_date": [date(2024, 3, 6), date(2024, 3, 4)]})
    assert covered_dates(rows).to_list() == [date(2024, 3, 4), date(2024, 3, 5),
                                             date(2024, 3, 6)]


def test_utf16_export_reads_like_utf8() -> None:
    text = ("Date,Energy (kcal),B12 (Cobalamin) (mcg),Carbs (g),Fiber (g),Fat (g),Protein (g),"
            "Completed\r\n2024-03-04,2410.50,4.1,280.40,31.20,85.30,142.70,true\r\n")
    _, utf8 = _read(text)
    name, utf16 = _read(text.encode("utf-16"))  # what Excel writes, with its BOM
    assert name == "cronometer_dailysummary"
    assert utf16.rows.equals(utf8.rows)
    assert utf16.rows["energy_kcal"].to_list() == [2410.5]


def test_loseit_older_shape_with_type_for_meal() -> None:
    text = ("Date,Name,Icon,Type,Quantity,Units,Calories,Deleted,Fat (g),Protein (g),"
            "Carbohydrates (g),Fiber (g)\n03/04/2024,Oats,Oats,Breakfast,1,Cup,307,false,5.3,"
            "10.7,54.8,8.2\n")
    name, result = _read(text)
    assert name == "loseit_food"
    assert result.rows["meal"].to_list() == ["Breakfast"]
    assert _per_day(result, "energy_kcal", "protein_g") == {date(2024, 3, 4): (307, 10.7)}


def test_mcg_and_micro_sign_headers_are_the_same_unit() -> None:
    assert FORMAT_BY_NAME["cronometer_servings"].signature  # formats use the micro sign
    from schemas.nutrition import canonical_header

    assert canonical_header("Folate (mcg)") == canonical_header("Folate (\u00b5g)") == (
        canonical_header("Folate (\u03bcg)"))


def test_export_time_and_range_from_file_names() -> None:
    from datetime import UTC, datetime

    from transforms.nutrition import export_time_from_name, file_name_range

    assert export_time_from_name("/x/MacroFactor-20240305143000.csv") == datetime(
        2024, 3, 5, 14, 30, tzinfo=UTC)
    assert export_time_from_name("servings.csv") is None
    assert file_name_range("a.zip!File-Export/Nutrition-Summary-2024-01-01-to-2024-06-30.csv"
                           ) == (date(2024, 1, 1), date(2024, 6, 30))
    assert file_name_range("Nutrition-Summary-2024-06-30-to-2024-01-01.csv") is None
