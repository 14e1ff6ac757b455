from cchc.lib.text import fold, sort_key


def test_it_folds_diacritics_for_search():
    assert fold("Cải cách  HÀNH chính") == "cai cach hanh chinh"
    assert fold("Đài Phát thanh") == "dai phat thanh"


def test_it_sorts_d_with_stroke_after_d():
    names = ["Đông Hà", "Dương", "Đa Krông", "Cam Lộ", "Ea", "Di Linh"]
    assert sorted(names, key=sort_key) == [
        "Cam Lộ",
        "Di Linh",
        "Dương",
        "Đa Krông",
        "Đông Hà",
        "Ea",
    ]


def test_it_sorts_vowels_with_marks_after_their_base_letter():
    names = ["ơ", "ô", "o", "ư", "u", "â", "ă", "a"]
    assert sorted(names, key=sort_key) == ["a", "ă", "â", "o", "ô", "ơ", "u", "ư"]


def test_it_breaks_ties_by_tone_after_letters():
    assert sorted(["má", "mà", "ma", "mả", "mạ", "mã", "mb"], key=sort_key) == [
        "ma",
        "mà",
        "má",
        "mả",
        "mã",
        "mạ",
        "mb",
    ]


def test_it_puts_shorter_words_first():
    assert sorted(["Sở Y tế", "Sở", "Sở Xây dựng"], key=sort_key) == [
        "Sở",
        "Sở Xây dựng",
        "Sở Y tế",
    ]
