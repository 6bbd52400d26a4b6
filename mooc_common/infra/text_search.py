"""Accent- and case-insensitive search in Vietnamese text, as a regular expression.

Names are stored in NFC; a search typed without diacritics ("nguyen van an") must find
"Nguyễn Văn An", and one typed with them must still find it. Instead of a second, folded copy
of every name, each letter of the search becomes the class of all its accented forms
("a" -> "[aàáạảãâầấậẩẫăằắặẳẵ]"), used with the ``i`` option: the store evaluates it like any
other regex (FerretDB and MongoDB alike), with no migration of the stored documents.
"""
import re
import unicodedata


def _base(char):
    return "d" if char in "đĐ" else unicodedata.normalize("NFD", char)[0].lower()


def _variants():
    """{base letter: every lower-case precomposed letter folding to it} over Latin letters."""
    table = {}
    for code in list(range(0x61, 0x7B)) + list(range(0xC0, 0x250)) + list(range(0x1E00, 0x1F00)):
        char = chr(code)
        if not char.isalpha() or char != char.lower():
            continue
        base = _base(char)
        if "a" <= base <= "z":
            table.setdefault(base, []).append(char)
    return {base: "".join(sorted(set(chars))) for base, chars in table.items()}


_VARIANTS = _variants()


def fold(text):
    """``text`` without diacritics, lower-cased ("Nguyễn Đức" -> "nguyen duc")."""
    return "".join(_base(c) if c.isalpha() else c.lower() for c in unicodedata.normalize("NFC", text))


def accent_insensitive_pattern(text):
    """A regex (to use case-insensitively) matching ``text`` whatever its diacritics."""
    out = []
    for char in fold(text):
        variants = _VARIANTS.get(char)
        out.append(f"[{variants}]" if variants and len(variants) > 1 else re.escape(char))
    return "".join(out)
