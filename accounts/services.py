from __future__ import annotations

import io

from django.core.files.uploadedfile import InMemoryUploadedFile, UploadedFile
from django.db import transaction

from accounts.models import User

AVATAR_SIZE = 256


def avatar_normalize(*, upload: UploadedFile) -> InMemoryUploadedFile:
    """Decode the picture with Pillow and re-encode it as a 256×256 PNG. Whatever was
    uploaded (a polyglot, an SVG renamed .png, EXIF junk), what is stored and served is a
    plain PNG that Pillow drew. Raises ValueError when it is not a picture."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        image = Image.open(upload)
        if image.format not in {"PNG", "JPEG", "GIF", "WEBP"}:
            raise ValueError("unsupported format")
        image.thumbnail((4096, 4096))
        image = ImageOps.exif_transpose(image).convert("RGBA")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValueError("not a picture") from exc
    image = ImageOps.fit(image, (AVATAR_SIZE, AVATAR_SIZE))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    size = buffer.tell()
    buffer.seek(0)
    return InMemoryUploadedFile(buffer, "avatar", "avatar.png", "image/png", size, None)


@transaction.atomic
def user_create(*, email: str, name: str, password: str, language: str = "en") -> User:
    return User.objects.create_user(email=email, password=password, name=name, language=language)
