"""OPML import and export: round trip, nested outlines, and hostile documents refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefings.model import Source
from briefings.paths import default_config_file
from briefings.sources import SourcesError, export_opml, import_opml, load_sources, read_opml

NESTED = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>My feeds</title></head>
  <body>
    <outline text="Mexico">
      <outline text="Animal Pol&#237;tico" type="rss" xmlUrl="https://animalpolitico.com/feed"
               language="es-MX"/>
      <outline text="ignored title" title="Proceso" xmlUrl="https://www.proceso.com.mx/rss/"
               language="es"/>
      <outline text="Nested deeper">
        <outline type="rss" xmlUrl="https://mexiconewsdaily.com/feed/"/>
      </outline>
    </outline>
    <outline text="Border Report" xmlUrl="https://www.borderreport.com/feed/"/>
    <outline text="Border Report" xmlUrl="https://www.borderreport.com/feed/"/>
    <outline text="Border Report" xmlUrl="https://example.com/another-border.xml"/>
    <outline text="A folder link, not a feed" htmlUrl="https://example.com/"/>
    <outline text="Local file" xmlUrl="file:///etc/passwd"/>
  </body>
</opml>
"""


def test_nested_outlines_become_sources() -> None:
    sources = import_opml(NESTED, default_language="en")
    assert [(s.name, s.url, s.language) for s in sources] == [
        ("Animal Político", "https://animalpolitico.com/feed", "es"),
        ("Proceso", "https://www.proceso.com.mx/rss/", "es"),
        ("mexiconewsdaily.com", "https://mexiconewsdaily.com/feed/", "en"),
        ("Border Report", "https://www.borderreport.com/feed/", "en"),
        ("Border Report (2)", "https://example.com/another-border.xml", "en"),
    ]


def test_round_trip_of_shipped_sources(tmp_path: Path) -> None:
    shipped = load_sources(default_config_file("sources.toml"))
    document = export_opml(shipped)
    path = tmp_path / "feeds.opml"
    path.write_text(document, encoding="utf-8")
    back = import_opml(path)
    assert [(s.name, s.url, s.language) for s in back] == [
        (s.name, s.url, s.language) for s in shipped
    ]


def test_export_escapes_names() -> None:
    document = export_opml([Source('A & B <"news">', "https://example.com/?a=1&b=2", "en")])
    assert "&amp;" in document and "&lt;" in document
    (back,) = import_opml(document.encode())
    assert back.name == 'A & B <"news">'
    assert back.url == "https://example.com/?a=1&b=2"


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            b'<opml><body><outline text="&b;" xmlUrl="https://x.example/"/></body></opml>',
            "refusing OPML with a DOCTYPE",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE opml SYSTEM "file:///etc/passwd">'
            b'<opml><body/></opml>',
            "refusing OPML with a DOCTYPE",
        ),
        (b"<opml><body><outline", "not valid XML"),
        (b"<rss><channel/></rss>", "root element is <rss>"),
        # expat cannot read multi-byte encodings, nor one it does not know.
        (b'<?xml version="1.0" encoding="Shift_JIS"?><opml/>', "cannot read its encoding"),
        (b'<?xml version="1.0" encoding="x-made-up"?><opml/>', "cannot read its encoding"),
    ],
)
def test_hostile_or_broken_opml_is_refused(document: bytes, expected: str) -> None:
    with pytest.raises(SourcesError, match=expected):
        import_opml(document)


def test_missing_opml_file(tmp_path: Path) -> None:
    with pytest.raises(SourcesError, match="file not found"):
        import_opml(tmp_path / "none.opml")


def test_a_folder_given_as_the_opml_file(tmp_path: Path) -> None:
    with pytest.raises(SourcesError, match="cannot read"):
        import_opml(tmp_path)


def test_round_trip_of_shipped_sources_is_lossless() -> None:
    shipped = load_sources(default_config_file("sources.toml"))
    assert {s.country for s in shipped} - {None} and {s.weight for s in shipped} - {1.0}
    assert {s.interval for s in shipped} - {None}
    changed = [*shipped, Source("Off", "https://off.example/rss", "es", "MX", 0.5, 900, False)]
    assert import_opml(export_opml(changed).encode()) == changed


def test_skipped_outlines_are_reported_with_a_reason() -> None:
    result = read_opml(NESTED)
    assert [s.url for s in result.sources] == [s.url for s in import_opml(NESTED)]
    reasons = {url: why for url, why in result.skipped}
    assert set(reasons) == {"https://www.borderreport.com/feed/", "file:///etc/passwd"}
    assert "duplicate" in reasons["https://www.borderreport.com/feed/"]
    assert "http" in reasons["file:///etc/passwd"]


def test_an_outline_with_a_bad_attribute_is_skipped_not_guessed() -> None:
    document = (b'<opml><body><outline text="W" xmlUrl="https://w.example/" weight="99"/>'
                b'<outline text="OK" xmlUrl="https://ok.example/" country="mx"/></body></opml>')
    result = read_opml(document)
    assert [(s.name, s.country) for s in result.sources] == [("OK", "MX")]
    assert result.skipped[0][0] == "https://w.example/" and "weight" in result.skipped[0][1]
