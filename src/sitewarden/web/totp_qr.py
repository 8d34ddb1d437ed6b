"""The QR code of a TOTP enrolment, drawn on the server as SVG (segno): the page shows it
inline, so the secret never leaves the page in an image request, and the drawing uses
attributes only (no inline style, which the console's CSP forbids)."""

from __future__ import annotations

import segno
from markupsafe import Markup


def enrolment_qr(otpauth_uri: str, title: str) -> Markup:
    """An inline ``<svg role="img">`` of the URI, black on white (phones read that in a
    dark theme too), titled ``title`` for screen readers."""
    svg = segno.make(otpauth_uri, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", svgclass="totp-qr", lineclass=None, title=title
    )
    # segno escapes the title and writes nothing else from outside
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))
