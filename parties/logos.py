"""A publisher's logo: a raster image checked and re-encoded on upload.

Only PNG, JPEG and WebP are taken, recognised by their content, not their name. SVG is
refused: it can carry a script, and the PDF renderer would run its references. What is
stored is a new PNG drawn from the decoded pixels, at most MAX_SIZE, so nothing of the
uploaded file (metadata, trailing bytes, a polyglot's other half) is ever served.
"""

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 25_000_000  # more than any logo needs; a "decompression bomb" has far more
MAX_SIZE = (800, 400)
ACCEPTED = {"PNG", "JPEG", "WEBP"}


@dataclass(frozen=True)
class Logo:
    png: bytes
    width: int
    height: int
    version: str


def clean_logo(upload) -> Logo:
    """The upload as a stored logo, or a ValidationError saying why not."""
    if upload.size > MAX_BYTES:
        raise ValidationError(
            _("The logo is %(size)s MB; at most %(max)s MB is accepted.")
            % {"size": f"{upload.size / 1024 / 1024:.1f}", "max": MAX_BYTES // 1024 // 1024},
            code="too_large",
        )
    data = upload.read()
    head = data[:512].lstrip().lower()
    if head.startswith(b"<?xml") or b"<svg" in head:
        raise ValidationError(
            _("SVG logos are not accepted (an SVG can carry a script); upload PNG, JPEG or WebP."),
            code="svg",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format
                if kind not in ACCEPTED:
                    raise ValidationError(
                        _("A %(kind)s image is not accepted; upload PNG, JPEG or WebP.")
                        % {"kind": kind},
                        code="format",
                    )
                if image.width * image.height > MAX_PIXELS:
                    raise ValidationError(_("The image has too many pixels."), code="pixels")
                image.load()
                drawn = image.convert("RGBA")
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            _("This file is not a PNG, JPEG or WebP image."), code="not_image"
        ) from None
    except (OSError, SyntaxError, ValueError):
        raise ValidationError(
            _("The image could not be read; it may be damaged."), code="damaged"
        ) from None
    drawn.thumbnail(MAX_SIZE)
    out = io.BytesIO()
    drawn.save(out, format="PNG", optimize=True)
    png = out.getvalue()
    return Logo(png, drawn.width, drawn.height, hashlib.sha256(png).hexdigest()[:12])
