"""Uploaded pictures are decoded by Pillow and drawn again before they are stored. What is
kept and served is always a plain PNG or JPEG that Pillow wrote: a polyglot file, an SVG
with a script renamed .png, or EXIF with a location never survives."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO

ACCEPTED_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}


class NotAnImage(ValueError):
    pass


@dataclass(frozen=True)
class Picture:
    data: bytes
    content_type: str
    width: int
    height: int


def picture_reencode(*, upload: IO[bytes], max_side: int, square: int | None = None) -> Picture:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        # Only the accepted formats' parsers ever see the bytes: every attachment passes
        # through here first (core/uploads.py), PDFs and spreadsheets included.
        image = Image.open(upload, formats=sorted(ACCEPTED_FORMATS))
        if image.format not in ACCEPTED_FORMATS:
            raise NotAnImage(f"unsupported format {image.format}")
        image.thumbnail((4096, 4096))  # bounded work before anything else touches pixels
        image = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as exc:
        raise NotAnImage("not a picture") from exc
    has_alpha = image.mode in ("RGBA", "LA", "P")
    image = image.convert("RGBA" if has_alpha else "RGB")
    if square:
        image = ImageOps.fit(image, (square, square))
    else:
        image.thumbnail((max_side, max_side))
    buffer = io.BytesIO()
    if has_alpha or square:
        image.save(buffer, format="PNG", optimize=True)
        content_type = "image/png"
    else:
        image.save(buffer, format="JPEG", quality=85, optimize=True)
        content_type = "image/jpeg"
    return Picture(data=buffer.getvalue(), content_type=content_type, width=image.width, height=image.height)
