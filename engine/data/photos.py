"""Decoding a person's own image files with Pillow, whatever they hold.

Everything becomes RGB uint8: CMYK, grayscale, 16-bit and palette images are converted, alpha is
laid over white, EXIF orientation is applied. Files that cannot be used raise ``ImageProblem``
with a reason a person can act on, so a folder scan can list what it skipped and why.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff")


class ImageProblem(ValueError):
    """A file that cannot be used as an image; the message says why."""


def decode(path: str | Path, max_side: int | None = None) -> np.ndarray:
    """The image at ``path`` as RGB uint8 (H, W, 3), upright.

    ``max_side`` lets large JPEGs decode at a reduced scale (Pillow's draft mode), which is much
    faster for photos that are only shown as thumbnails or shrunk for a network anyway.
    """
    path = Path(path)
    try:
        if path.stat().st_size == 0:
            raise ImageProblem(f"{path.name}: the file is empty (0 bytes)")
        with Image.open(path) as image:
            if getattr(image, "n_frames", 1) > 1:
                raise ImageProblem(
                    f"{path.name}: animated {image.format} images are not used; "
                    f"save one frame as PNG or JPEG"
                )
            if max_side and image.format == "JPEG":
                image.draft("RGB", (max_side, max_side))
            image.load()
            return _to_rgb(ImageOps.exif_transpose(image))
    except ImageProblem:
        raise
    except Image.DecompressionBombError as error:
        raise ImageProblem(
            f"{path.name}: too large to open safely ({error}); shrink it below 89 megapixels"
        ) from error
    except UnidentifiedImageError as error:
        raise ImageProblem(
            f"{path.name}: not an image file Pillow can read "
            f"(wrong extension, or another kind of file)"
        ) from error
    except (OSError, SyntaxError, ValueError) as error:  # truncated or corrupt data
        raise ImageProblem(f"{path.name}: damaged or incomplete image ({error})") from error


def _to_rgb(image: Image.Image) -> np.ndarray:
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):  # 16/32-bit gray: scale to 8 bits
        values = np.asarray(image, dtype=np.float64)
        top = 65535.0 if image.mode.startswith("I;16") or values.max() > 255 else 255.0
        gray = np.clip(values / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return np.repeat(gray[..., None], 3, axis=2)
    if image.mode == "F":
        gray = np.clip(np.asarray(image, dtype=np.float64), 0, 255).astype(np.uint8)
        return np.repeat(gray[..., None], 3, axis=2)
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA"):
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
        image = background
    return np.ascontiguousarray(np.asarray(image.convert("RGB"), dtype=np.uint8))


def is_image_name(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES and not path.name.startswith(".")


def check(path: str | Path) -> str | None:
    """None when ``path`` decodes as an image, else the reason it cannot be used."""
    try:
        decode(path, max_side=64)
    except ImageProblem as problem:
        return str(problem)
    return None
