"""Branding that cannot break a report: colours used as text must reach WCAG 2.x 4.5:1 contrast against
their background, a missing logo is called missing, an SVG logo may not reach outside itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from carestats.core.errors import ConfigError
from carestats.core.settings import contrast, load


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "carestats.toml").write_text(text, encoding="utf-8")
    return tmp_path / "carestats.toml"


def test_contrast_is_the_wcag_ratio() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the lightest grey that passes


@pytest.mark.parametrize("key", ["primary_colour", "accent_colour"])
def test_a_colour_too_light_for_text_is_refused_with_its_ratio(tmp_path: Path, key: str) -> None:
    config = write(tmp_path, f'[branding]\norganisation = "X"\n{key} = "#ffeb3b"\n')
    with pytest.raises(ConfigError) as err:
        load(config)
    text = str(err.value)
    assert "carestats.toml:3:" in text and "1.2:1" in text and "4.5:1" in text and key in text
    assert "\n" not in text.strip()


def test_dark_colours_and_the_defaults_pass(tmp_path: Path) -> None:
    s = load(write(tmp_path, '[branding]\nprimary_colour = "#5a1e6e"\naccent_colour = "#b34700"\n'))
    assert s.primary_colour == "#5a1e6e"
    load(write(tmp_path, "[branding]\n"))


def test_a_missing_logo_is_reported_as_missing(tmp_path: Path) -> None:
    config = write(tmp_path, '[branding]\nlogo = "assets/logo.png"\n')
    with pytest.raises(ConfigError, match=r"carestats.toml:2:\d+: .*logo .*logo.png does not exist") as err:
        load(config)
    assert "not a PNG" not in str(err.value)


def test_a_logo_of_another_kind_is_still_refused_as_such(tmp_path: Path) -> None:
    (tmp_path / "logo.gif").write_bytes(b"GIF89a")
    with pytest.raises(ConfigError, match="not a PNG, SVG or JPEG"):
        load(write(tmp_path, '[branding]\nlogo = "logo.gif"\n'))


SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="4" height="2">\n{}\n</svg>\n'


@pytest.mark.parametrize("body, what", [
    ('<image href="https://example.org/track.png" width="4" height="2"/>', "https://example.org/track.png"),
    ('<image xlink:href="file:///etc/passwd" width="4" height="2"/>', "file:///etc/passwd"),
    ('<rect width="4" height="2" style="fill: url(http://example.org/p.svg#g)"/>', "url("),
    ('<rect width="4" height="2" fill="url(other.svg#g)"/>', "url("),
    ('<style>@import url("https://example.org/x.css");</style>', "@import"),
    ('<use href="other.svg#part"/>', "other.svg#part"),
])
def test_an_svg_logo_that_reaches_outside_is_refused(tmp_path: Path, body: str, what: str) -> None:
    (tmp_path / "logo.svg").write_text(SVG.format(body), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load(write(tmp_path, '[branding]\nlogo = "logo.svg"\n'))
    text = str(err.value)
    assert "logo.svg:2:" in text and what in text


@pytest.mark.parametrize("head", [
    '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">',
    '<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
])
def test_an_svg_logo_with_a_doctype_or_entities_is_refused(tmp_path: Path, head: str) -> None:
    (tmp_path / "logo.svg").write_text(head + "\n" + SVG.format("<rect width='4' height='2'/>"), encoding="utf-8")
    with pytest.raises(ConfigError, match="logo.svg:1:.*DOCTYPE"):
        load(write(tmp_path, '[branding]\nlogo = "logo.svg"\n'))


def test_a_self_contained_svg_logo_is_accepted(tmp_path: Path) -> None:
    body = ('<defs><linearGradient id="g"><stop offset="0"/></linearGradient></defs>'
            '<rect width="4" height="2" fill="url(#g)"/><use href="#g"/><style>rect { fill: url(#g) }</style>')
    (tmp_path / "logo.svg").write_text(SVG.format(body), encoding="utf-8")
    s = load(write(tmp_path, '[branding]\nlogo = "logo.svg"\n'))
    assert s.logo == tmp_path / "logo.svg"


def test_a_broken_svg_logo_is_refused_with_its_place(tmp_path: Path) -> None:
    (tmp_path / "logo.svg").write_text(SVG.format("<rect>"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"logo.svg:\d+:\d+: .*not well-formed|logo.svg:\d+:\d+: .*mismatched"):
        load(write(tmp_path, '[branding]\nlogo = "logo.svg"\n'))
