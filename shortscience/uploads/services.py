"""Image uploads: verified and re-encoded from pixels with Pillow, so that no metadata
(EXIF, GPS, comments) and nothing but an image of an allowed type is ever stored."""

from __future__ import annotations

import hashlib
import re
import warnings
from dataclasses import dataclass
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image, ImageOps, UnidentifiedImageError

from shortscience.uploads.models import Upload

# Pillow format -> stored file extension. No SVG: it is a script container.
FORMATS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp"}


@dataclass
class Processed:
    content: bytes
    extension: str
    width: int
    height: int


def process_image(data: bytes) -> Processed:
    """Check `data` is one allowed image within the limits, and re-encode it from pixels.

    Animated GIF and WebP keep their first frame only: a summary's figure rarely needs more,
    and one frame keeps the decoded size bounded by UPLOAD_MAX_PIXELS.
    """
    if len(data) > settings.UPLOAD_MAX_BYTES:
        raise ValidationError(f"An image can be at most {_mb(settings.UPLOAD_MAX_BYTES)}.")
    # Pillow refuses (error) beyond twice this and warns beyond it; we refuse beyond it.
    Image.MAX_IMAGE_PIXELS = settings.UPLOAD_MAX_PIXELS
    too_big = ValidationError(
        f"An image can have at most {settings.UPLOAD_MAX_PIXELS:,} pixels (width times height)."
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data)) as probe:
                if probe.format not in FORMATS:
                    raise ValidationError("Upload a PNG, JPEG, GIF or WebP image.")
                if probe.width * probe.height > settings.UPLOAD_MAX_PIXELS:
                    raise too_big
                probe.verify()
            # verify() leaves the image unusable; decode again for the pixels.
            with Image.open(BytesIO(data)) as im:
                fmt = im.format
                im.seek(0)
                im.load()
                return _reencode(im, fmt)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_big from None
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise ValidationError("This file is not a readable PNG, JPEG, GIF or WebP image.") from None


def _reencode(im: Image.Image, fmt: str) -> Processed:
    if fmt == "JPEG":
        # The camera's rotation lives in EXIF, which is dropped: apply it to the pixels.
        im = ImageOps.exif_transpose(im)
    if fmt == "JPEG" and im.mode not in ("L", "RGB"):
        im = im.convert("RGB")
    # A fresh image from the raw pixels: nothing of the file's metadata comes along, only
    # the palette and the transparency, which are part of the picture.
    clean = Image.frombytes(im.mode, im.size, im.tobytes())
    options: dict = {}
    if im.mode in ("P", "PA"):
        clean.putpalette(im.getpalette(rawmode="RGB") or [])
    if "transparency" in im.info and fmt in ("PNG", "GIF"):
        options["transparency"] = im.info["transparency"]
    if fmt == "JPEG":
        options.update(quality=90, optimize=True)
    elif fmt == "PNG":
        options.update(optimize=True)
    elif fmt == "WEBP":
        options.update(quality=90)
    out = BytesIO()
    clean.save(out, format=fmt, **options)
    return Processed(out.getvalue(), FORMATS[fmt], clean.width, clean.height)


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):g} MB"


def alt_text(filename: str) -> str:
    """The Markdown alt text from a file name: its stem, without Markdown's brackets."""
    stem = (filename or "image").rsplit("/", 1)[-1].rsplit("\\", 1)[-1].rsplit(".", 1)[0]
    stem = re.sub(r"[\[\]\\`*_<>()!\s]+", " ", stem).strip()
    return stem[:100] or "image"


def markdown_for(upload: Upload, filename: str) -> str:
    return f"![{alt_text(filename)}]({upload.url})"


def store_upload(*, user, data: bytes) -> Upload:
    processed = process_image(data)
    digest = hashlib.sha256(processed.content).hexdigest()
    existing = Upload.objects.filter(user=user, sha256=digest).first()
    if existing is not None:
        return existing
    name = f"uploads/{digest[:2]}/{digest}.{processed.extension}"
    # Content-addressed: the same picture from two members is stored once.
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(processed.content))
    with transaction.atomic():
        return Upload.objects.create(
            user=user,
            file=name,
            width=processed.width,
            height=processed.height,
            bytes=len(processed.content),
            sha256=digest,
        )
