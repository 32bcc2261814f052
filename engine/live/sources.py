"""Frame sources: camera, video file, image-folder slideshow and a synthetic demo pattern.

Every source has one interface: ``open()``, ``read() -> frame``, ``close()``, a ``name`` and an
``fps`` (None when the device itself paces reads, as a camera does). ``read`` returns an RGB
uint8 (H, W, 3) array, raises ``SourceError`` when a read fails and ``EndOfStream`` when a
non-looping source is finished. BGR exists only inside this module.
"""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np

from engine.data import photos

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff"}


class SourceError(RuntimeError):
    """A source could not be opened or a read failed; the stream retries."""


class EndOfStream(Exception):
    """A non-looping source has delivered its last frame."""


class Source:
    """Base class: a named producer of RGB uint8 frames."""

    name = "source"
    fps: float | None = None

    def open(self) -> None:
        """Acquire the device or file; raise SourceError when it cannot be opened."""

    def read(self) -> np.ndarray:
        raise NotImplementedError

    def close(self) -> None:
        """Release the device or file; safe to call twice."""

    def fresh(self) -> Source:
        """An unopened equivalent, used to reconnect while this one is stuck in a read.
        Sources whose reads cannot block return themselves."""
        return self


def to_rgb(frame: np.ndarray) -> np.ndarray:
    """Turn what an OpenCV capture returns (BGR, gray, BGRA, packed YUYV with 2 channels,
    16-bit) into contiguous RGB uint8."""
    if frame.dtype == np.uint16:
        frame = (frame >> 8).astype(np.uint8)
    elif frame.dtype != np.uint8:
        frame = np.clip(frame, 0, 255).astype(np.uint8)
    if frame.ndim == 3 and frame.shape[2] == 1:
        frame = frame[..., 0]
    if frame.ndim == 3 and frame.shape[2] == 2:
        return cv2.cvtColor(frame, cv2.COLOR_YUV2RGB_YUYV)
    if frame.ndim == 2:
        return cv2.cvtColor(frame, cv2.COLOR_GRAY2RGB)
    if frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2RGB)
    return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)


class CameraSource(Source):
    """A webcam by OpenCV index."""

    def __init__(self, index: int = 0):
        self.index = index
        self.name = f"Camera {index}"
        self._cap = None

    def fresh(self) -> CameraSource:
        return CameraSource(self.index)

    def open(self) -> None:
        self.close()
        cap = cv2.VideoCapture(self.index)
        if not cap.isOpened():
            cap.release()
            raise SourceError(f"camera {self.index} is absent or busy")
        self._cap = cap

    def read(self) -> np.ndarray:
        if self._cap is None:
            raise SourceError(f"camera {self.index} is not open")
        ok, frame = self._cap.read()
        if not ok or frame is None or frame.size == 0:
            raise SourceError(f"camera {self.index} stopped delivering frames")
        return to_rgb(frame)

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class VideoFileSource(Source):
    """A video file played at its own frame rate; loops unless ``loop=False``."""

    def __init__(self, path: str | Path, loop: bool = True):
        self.path = Path(path)
        self.loop = loop
        self.name = self.path.name
        self._cap = None

    def fresh(self) -> VideoFileSource:
        return VideoFileSource(self.path, self.loop)

    def open(self) -> None:
        self.close()
        if not self.path.is_file():
            raise SourceError(f"video file {self.path} does not exist")
        cap = cv2.VideoCapture(str(self.path))
        if not cap.isOpened():
            cap.release()
            raise SourceError(f"{self.path} is not a video OpenCV can read")
        rate = cap.get(cv2.CAP_PROP_FPS)
        self.fps = rate if rate and math.isfinite(rate) and 0 < rate <= 240 else 30.0
        self._cap = cap

    def read(self) -> np.ndarray:
        if self._cap is None:
            raise SourceError(f"{self.path.name} is not open")
        ok, frame = self._cap.read()
        if not ok and self.loop:
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._cap.read()
        if not ok or frame is None:
            if self.loop:
                raise SourceError(f"{self.path.name} has no readable frames")
            raise EndOfStream
        return to_rgb(frame)

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


def list_images(folder: str | Path) -> list[Path]:
    """Image files directly inside ``folder`` (by suffix), sorted by name."""
    return sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


def load_rgb(path: str | Path) -> np.ndarray:
    """Decode an image file into RGB uint8 (engine/data/photos.py: its budgets, EXIF rotation);
    ValueError (an ImageProblem) says why it cannot, whatever Pillow raised."""
    return photos.decode(path)


class ImageFolderSource(Source):
    """A slideshow of the images in a folder, each shown for ``seconds``; skips unreadable files.
    Loops unless ``loop=False``: then it ends after the last image."""

    def __init__(
        self, folder: str | Path, seconds: float = 2.0, fps: float = 15.0, loop: bool = True
    ):
        self.folder = Path(folder)
        self.name = self.folder.name or str(self.folder)
        self.fps = fps
        self.loop = loop
        self._repeat = max(1, round(seconds * fps))
        self._files: list[Path] = []
        self._position = 0
        self._current: np.ndarray | None = None
        self._shown = 0

    def open(self) -> None:
        if not self.folder.is_dir():
            raise SourceError(f"image folder {self.folder} does not exist")
        self._files = list_images(self.folder)
        if not self._files:
            raise SourceError(
                f"{self.folder} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))})"
            )
        self._position, self._current, self._shown = 0, None, 0

    def read(self) -> np.ndarray:
        if self._current is None or self._shown >= self._repeat:
            self._current, self._shown = self._next_image(), 0
        self._shown += 1
        return self._current

    def _next_image(self) -> np.ndarray:
        if not self.loop and self._position >= len(self._files):
            raise EndOfStream
        for _ in range(len(self._files) if self.loop else len(self._files) - self._position):
            path = self._files[self._position % len(self._files)]
            self._position += 1
            try:
                return load_rgb(path)
            except (ValueError, FileNotFoundError):
                continue
        if not self.loop:  # reopening would start again: the run is over
            raise EndOfStream
        raise SourceError(f"no image in {self.folder} can be read")


class SyntheticSource(Source):
    """A built-in demo stream: moving shapes and a frame counter, so motion is visible."""

    def __init__(self, width: int = 640, height: int = 480, fps: float = 30.0):
        self.name = "Demo stream"
        self.width, self.height, self.fps = width, height, fps
        self.count = 0

    def open(self) -> None:
        self.count = 0
        yy, xx = np.mgrid[0 : self.height, 0 : self.width]
        self._background = np.stack(
            [
                (xx * 255 // max(1, self.width - 1)),
                (yy * 255 // max(1, self.height - 1)),
                np.full_like(xx, 96),
            ],
            axis=-1,
        ).astype(np.uint8)

    def read(self) -> np.ndarray:
        if not hasattr(self, "_background"):
            self.open()
        t = self.count / self.fps
        frame = self._background.copy()
        w, h = self.width, self.height
        cx = int(w / 2 + w / 3 * math.cos(t))
        cy = int(h / 2 + h / 3 * math.sin(1.3 * t))
        cv2.circle(frame, (cx, cy), h // 8, (230, 40, 40), -1)
        x = int((t * 120) % (w + h // 4)) - h // 8
        cv2.rectangle(frame, (x, h // 6), (x + h // 4, h // 6 + h // 4), (40, 200, 60), -1)
        text = f"frame {self.count}"
        (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.8, 2)
        cv2.putText(
            frame,
            text,
            (w - tw - 10, th + 12),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.8,
            (255, 255, 255),
            2,
            cv2.LINE_AA,
        )
        self.count += 1
        return frame


def camera_opens(index: int) -> bool:
    """Whether camera ``index`` opens and delivers a frame right now."""
    source = CameraSource(index)
    try:
        source.open()
        source.read()
        return True
    except SourceError:
        return False
    finally:
        source.close()


def probe_cameras(max_index: int = 5) -> list[int]:
    """Indices of cameras that open and deliver a frame right now."""
    return [index for index in range(max_index) if camera_opens(index)]


def from_options(
    video=None, images=None, demo: bool = False, camera: int | None = None, loop: bool = True
) -> Source | None:
    """The source command-line options name (--video, --images, --demo, --camera), or None."""
    if video:
        return VideoFileSource(video, loop=loop)
    if images:
        return ImageFolderSource(images, loop=loop)
    if demo:
        return SyntheticSource()
    if camera is not None:
        return CameraSource(camera)
    return None
