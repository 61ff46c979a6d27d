from __future__ import annotations

import io

from django.core.files.uploadedfile import InMemoryUploadedFile, UploadedFile
from django.db import transaction

from accounts.models import User
from core.images import picture_reencode

AVATAR_SIZE = 256


def avatar_normalize(*, upload: UploadedFile) -> InMemoryUploadedFile:
    """The picture as a 256×256 PNG drawn by Pillow. Raises NotAnImage (a ValueError)."""
    picture = picture_reencode(upload=upload, max_side=AVATAR_SIZE, square=AVATAR_SIZE)
    return InMemoryUploadedFile(
        io.BytesIO(picture.data), "avatar", "avatar.png", picture.content_type, len(picture.data), None
    )


@transaction.atomic
def user_create(*, email: str, name: str, password: str, language: str = "en") -> User:
    return User.objects.create_user(email=email, password=password, name=name, language=language)
