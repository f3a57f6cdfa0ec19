"""English is complete: every Chinese string of the product has an English translation."""

from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[1] / "locale"


def test_the_english_catalogue_translates_every_message():
    catalogue = polib.pofile(str(LOCALE / "en" / "LC_MESSAGES" / "django.po"))
    untranslated = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert len(catalogue) > 0
    assert untranslated == []
    assert fuzzy == []


def test_the_compiled_catalogue_is_up_to_date():
    po = polib.pofile(str(LOCALE / "en" / "LC_MESSAGES" / "django.po"))
    mo = polib.mofile(str(LOCALE / "en" / "LC_MESSAGES" / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in mo}
    source = {(e.msgctxt, e.msgid): e.msgstr for e in po.translated_entries()}
    assert compiled == source


def test_every_translation_keeps_the_placeholders_of_its_message():
    import re

    catalogue = polib.pofile(str(LOCALE / "en" / "LC_MESSAGES" / "django.po"))
    placeholder = re.compile(r"%\(\w+\)s|%%")
    wrong = []
    for entry in catalogue.translated_entries():
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for translation in translations:
            if sorted(placeholder.findall(entry.msgid)) != sorted(placeholder.findall(translation)):
                wrong.append(entry.msgid)
    assert wrong == []
