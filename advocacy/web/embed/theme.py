"""The widget's theme: a few CSS custom properties an ally passes as data attributes, validated strictly.

Only ``#rgb``/``#rrggbb`` colours and font family names made of letters, digits, spaces and hyphens get
through, so nothing an ally writes can close the declaration or inject CSS. A colour pair that would fail
WCAG AA contrast (4.5:1 for text) is dropped in favour of our default, so a theme cannot make the form
unreadable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
FONT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]{0,40}$")
GENERIC_FONTS = {"serif", "sans-serif", "monospace", "system-ui"}
DEFAULTS = {"primary": "#0b4f8a", "text": "#1b1b1b", "background": "#ffffff"}  # site.css's palette
# The site stylesheet's custom properties each theme value sets (site.css reads them everywhere).
PROPERTIES = {"primary": ("--brand", "--brand-dark"), "text": ("--text",), "background": ("--background",)}
THEME_KEYS = ("primary", "text", "background", "font")
AA_TEXT = 4.5


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    digits = colour[1:]
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    r, g, b = (int(digits[i:i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _font(value: str) -> str:
    names = [name.strip() for name in value.split(",") if name.strip()]
    if not names or len(names) > 4 or not all(FONT_NAME.fullmatch(n) for n in names):
        return ""
    # Named fonts quoted, generic families bare; the page only uses fonts installed on the reader's device.
    return ", ".join(n if n.lower() in GENERIC_FONTS else f'"{n}"' for n in names) + ", sans-serif"


def read_theme(args: Mapping[str, str]) -> dict[str, str]:
    """The usable theme values among ``args`` (primary, text, background, font); the rest are dropped."""
    theme = {key: args[key].lower() for key in ("primary", "text", "background")
             if COLOUR.fullmatch(args.get(key, ""))}
    colours = {**DEFAULTS, **theme}
    if contrast(colours["text"], colours["background"]) < AA_TEXT:
        theme.pop("text", None)
        theme.pop("background", None)
    # The button is white text on the primary colour, and links are the primary colour on the background.
    if "primary" in theme and (contrast(theme["primary"], "#ffffff") < AA_TEXT
                               or contrast(theme["primary"], theme.get("background", DEFAULTS["background"]))
                               < AA_TEXT):
        theme.pop("primary")
    font = _font(args.get("font", ""))
    if font:
        theme["font"] = args["font"].strip()
    return theme


def theme_css(theme: Mapping[str, str]) -> str:
    """The stylesheet for a theme read by ``read_theme`` (only its validated values reach this)."""
    lines = [f"  {prop}: {theme[key]};" for key, props in PROPERTIES.items() if key in theme for prop in props]
    if "font" in theme:
        lines.append(f"  --font: {_font(theme['font'])};")
    return ":root {\n" + "\n".join(lines) + "\n}\n"
