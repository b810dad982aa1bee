"""A collection's header image: maintainers upload one; what is stored is
always a fresh encoding made by Pillow, never the bytes as sent.

The upload is refused unless Pillow reads it as a JPEG, PNG, GIF or WebP
image of at most ``MAX_BYTES`` bytes and ``MAX_PIXELS`` pixels (checked from
its header, before any pixel is decoded, so a small file that unpacks into a
huge image costs nothing). It is then decoded, shrunk to fit ``MAX_SIDE``,
and written anew as PNG (when it has transparency) or JPEG, with no
metadata: no EXIF (camera, place), no ICC profile, no text chunks.
"""

from __future__ import annotations

import io

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image, ImageOps, UnidentifiedImageError

from .models import Collection
from .services import is_maintainer

MAX_BYTES = 1024 * 1024
MAX_PIXELS = 16_000_000
MAX_SIDE = 1200
FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}

REFUSED = "The header image must be a JPEG, PNG, GIF or WebP image."


def _reencoded(upload) -> tuple[bytes, str]:
    """The upload as fresh PNG or JPEG bytes and their extension."""
    if upload.size > MAX_BYTES:
        raise ValidationError({"header_image": ["The header image is larger than 1 MB."]})
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError({"header_image": ["The header image is larger than 1 MB."]})
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in FORMATS:
                raise ValidationError({"header_image": [REFUSED]})
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ValidationError(
                    {"header_image": ["The header image has too many pixels (at most 16 million)."]}
                )
            image.seek(0)  # the first frame of an animation
            image.load()
            # The orientation EXIF asked for, applied to the pixels, since
            # EXIF itself is not kept.
            image = ImageOps.exif_transpose(image)
            alpha = image.mode in ("RGBA", "LA", "PA") or (
                image.mode == "P" and "transparency" in image.info
            )
            image = image.convert("RGBA" if alpha else "RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            clean = Image.new(image.mode, image.size)
            clean.paste(image)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as error:
        raise ValidationError({"header_image": [REFUSED]}) from error
    out = io.BytesIO()
    if alpha:
        clean.save(out, format="PNG", optimize=True)
        return out.getvalue(), "png"
    clean.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue(), "jpg"


def _delete_on_commit(name: str) -> None:
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))


@transaction.atomic
def header_image_set(*, user, collection: Collection, upload=None, remove=False) -> Collection:
    """A maintainer sets (``upload``) or removes the collection's header image."""
    if not is_maintainer(user, collection):
        raise PermissionDenied("Only the collection's maintainers may change its header image.")
    collection = Collection.objects.select_for_update().get(pk=collection.pk)
    old = collection.header_image.name if collection.header_image else ""
    if upload is not None:
        data, extension = _reencoded(upload)
        collection.header_image.save(f"header.{extension}", ContentFile(data), save=False)
        collection.save(update_fields=["header_image"])
        _delete_on_commit(old)
    elif remove and old:
        collection.header_image = ""
        collection.save(update_fields=["header_image"])
        _delete_on_commit(old)
    return collection
