"""Vietnamese text helpers: collation by given name, and folding of diacritics for search.

Vietnamese lists (class lists, transcripts) are ordered by given name, the last word of the full
name, then by the middle names and the family name. Letters follow the Vietnamese alphabet
(a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y) and, for equal letters, the tones in
the traditional order: level, grave, hook, tilde, acute, dot.
"""

from __future__ import annotations

import unicodedata

_ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
_BASE_RANK = {ch: i for i, ch in enumerate(_ALPHABET)}
# Combining marks for the tones, in the traditional order (level tone has none).
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
# Combining marks that make a distinct letter rather than a tone.
_LETTER_MARKS = {
    ("a", "\u0306"): "ă",
    ("a", "\u0302"): "â",
    ("e", "\u0302"): "ê",
    ("o", "\u0302"): "ô",
    ("o", "\u031b"): "ơ",
    ("u", "\u031b"): "ư",
}


def _letters_and_tones(word: str) -> tuple[list[str], int]:
    """Split a word into its Vietnamese letters and the word's tone (0-5)."""
    letters: list[str] = []
    tone = 0
    for ch in unicodedata.normalize("NFD", word.lower()):
        if ch in _TONES:
            tone = _TONES[ch]
        elif unicodedata.combining(ch):
            if letters and (letters[-1], ch) in _LETTER_MARKS:
                letters[-1] = _LETTER_MARKS[(letters[-1], ch)]
        else:
            letters.append(ch)
    return letters, tone


def word_key(word: str) -> tuple[tuple[int, ...], int]:
    letters, tone = _letters_and_tones(word)
    # Letters outside the alphabet (f, j, w, z, digits) sort after it by code point.
    ranks = tuple(_BASE_RANK.get(ch, 100 + ord(ch)) for ch in letters)
    return ranks, tone


def name_sort_key(full_name: str) -> str:
    """A string key that sorts full names the way Vietnamese class lists do.

    Stored in the database so ordering works the same on SQLite and PostgreSQL without a
    server-side collation.
    """
    words = full_name.split()
    if not words:
        return ""
    ordered = [words[-1], *words[1:-1], words[0]] if len(words) > 1 else words
    parts = []
    for w in ordered:
        ranks, tone = word_key(w)
        # Ranks start at 1 so the separator (000) sorts a shorter word first (An < Anh); the
        # tone follows each word so it decides before the next word does (Anh < Ánh).
        parts.append("".join(f"{r + 1:03d}" for r in ranks) + f"000{tone}")
    return "".join(parts)


def strip_diacritics(text: str) -> str:
    """Remove tone marks and letter marks, mapping đ to d, keeping case: 'Đồng' -> 'Dong'."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Lower-case and strip diacritics, mapping đ to d: 'Phương trình' -> 'phuong trinh'."""
    return strip_diacritics(text).lower()


def split_full_name(full_name: str) -> tuple[str, str]:
    """(family and middle names, given name)."""
    words = full_name.split()
    if not words:
        return "", ""
    return " ".join(words[:-1]), words[-1]
