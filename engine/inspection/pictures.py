"""Pictures of a network's insides: filter tiles, activation grids, heatmap overlays (uint8 RGB)."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass
class FilterTiles:
    """Kernels as pictures: ``tiles`` (n, kh, kw, 3) in [0, 1] and each kernel's scale."""

    tiles: np.ndarray
    scales: np.ndarray
    colour: bool


def filter_tiles(kernel: np.ndarray, input_channel: int | None = None) -> FilterTiles:
    """Normalise each kernel of a (kh, kw, in, out) convolution for display.

    Normalisation, per kernel: tile = 0.5 + 0.5 * w / max|w|, so mid-gray is a zero weight,
    white the kernel's largest positive weight and black its most negative one; ``scales`` holds
    each kernel's max|w|. With 3 input channels (an RGB input) and no ``input_channel`` the
    tiles are in colour; otherwise they show the one input channel ``input_channel`` (default
    0) in gray.
    """
    kernel = np.asarray(kernel, np.float32)
    if kernel.ndim != 4:
        raise ValueError(f"a convolution kernel has 4 axes (kh, kw, in, out), got {kernel.shape}")
    colour = kernel.shape[2] == 3 and input_channel is None
    if not colour:
        channel = input_channel or 0
        if not 0 <= channel < kernel.shape[2]:
            raise ValueError(
                f"input channel {channel} does not exist: the layer has {kernel.shape[2]}"
            )
        kernel = np.repeat(kernel[:, :, channel : channel + 1], 3, axis=2)
    weights = np.moveaxis(kernel, 3, 0)  # (out, kh, kw, 3)
    scales = np.abs(weights).reshape(len(weights), -1).max(axis=1)
    safe = np.where(scales > 0, scales, 1.0)[:, None, None, None]
    return FilterTiles(0.5 + 0.5 * weights / safe, scales, colour)


def tile_grid(
    tiles: np.ndarray,
    columns: int | None = None,
    cell: int = 32,
    pad: int = 2,
    background: int = 40,
) -> np.ndarray:
    """Tiles (n, h, w[, 3]) in [0, 1] as one uint8 RGB picture, each enlarged to ``cell`` pixels.

    Enlargement is nearest-neighbour, so every weight or activation stays a visible square.
    """
    tiles = np.asarray(tiles, np.float32)
    if tiles.ndim == 3:
        tiles = np.repeat(tiles[..., None], 3, axis=3)
    n = len(tiles)
    columns = columns or max(1, int(np.ceil(np.sqrt(n))))
    rows = max(1, -(-n // columns))
    h, w = tiles.shape[1:3]
    scale = max(1, cell // max(h, w))
    th, tw = h * scale, w * scale
    grid = np.full((rows * (th + pad) + pad, columns * (tw + pad) + pad, 3), background, np.uint8)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, columns)
        y, x = pad + r * (th + pad), pad + c * (tw + pad)
        big = np.repeat(np.repeat(tile, scale, axis=0), scale, axis=1)
        grid[y : y + th, x : x + tw] = np.clip(big * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return grid


def channel_order(maps: np.ndarray, by_mean: bool = True) -> np.ndarray:
    """Channel indices of (H, W, C) maps: highest mean activation first, or in layer order."""
    if not by_mean:
        return np.arange(maps.shape[-1])
    return np.argsort(-maps.reshape(-1, maps.shape[-1]).mean(axis=0), kind="stable")


def activation_tiles(maps: np.ndarray, order: np.ndarray | None = None) -> np.ndarray:
    """(H, W, C) maps as (C, H, W) tiles in [0, 1] on one scale: 0 black, the layer's max white.

    Negative values (layers before their ReLU) are shown black. One scale for the layer keeps
    weak channels looking weak beside strong ones.
    """
    maps = np.asarray(maps, np.float32)
    if maps.ndim != 3:
        raise ValueError(f"activation maps are (H, W, channels), got {maps.shape}")
    peak = float(maps.max())
    tiles = np.moveaxis(np.clip(maps, 0, None) / (peak if peak > 0 else 1.0), 2, 0)
    return tiles if order is None else tiles[order]


def gray(image: np.ndarray, size: tuple[int, int] | None = None) -> np.ndarray:
    """A 2-D array scaled to [0, 1] by its own range as uint8 RGB, optionally resized (h, w)."""
    image = np.asarray(image, np.float32)
    low, high = float(image.min()), float(image.max())
    scaled = (image - low) / (high - low) if high > low else np.zeros_like(image)
    out = np.repeat((scaled * 255 + 0.5).astype(np.uint8)[..., None], 3, axis=2)
    if size is not None:
        out = cv2.resize(out, (size[1], size[0]), interpolation=cv2.INTER_NEAREST)
    return out


def colourize(heat: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A heatmap in [0, 1] as a JET-coloured uint8 RGB picture of ``size`` (h, w)."""
    heat = cv2.resize(
        np.asarray(heat, np.float32), (size[1], size[0]), interpolation=cv2.INTER_LINEAR
    )
    heat = (np.clip(heat, 0, 1) * 255).astype(np.uint8)
    return cv2.cvtColor(cv2.applyColorMap(heat, cv2.COLORMAP_JET), cv2.COLOR_BGR2RGB)


def overlay(
    frame: np.ndarray,
    heat: np.ndarray,
    alpha: float = 0.45,
    region: tuple[int, int, int, int] | None = None,
) -> np.ndarray:
    """A copy of ``frame`` with ``heat`` blended over ``region`` (y0, y1, x0, x1; default all)."""
    out = frame.copy()
    y0, y1, x0, x1 = region or (0, frame.shape[0], 0, frame.shape[1])
    coloured = colourize(heat, (y1 - y0, x1 - x0)).astype(np.float32)
    roi = out[y0:y1, x0:x1].astype(np.float32)
    out[y0:y1, x0:x1] = (roi * (1 - alpha) + coloured * alpha).astype(np.uint8)
    return out


def input_region(shape: tuple[int, ...], size: tuple[int, int]) -> tuple[int, int, int, int]:
    """The part (y0, y1, x0, x1) of a frame of ``shape`` that classifier.fit_to_input keeps."""
    h, w = shape[:2]
    height, width = size
    if h * width > w * height:
        crop = w * height // width
        return (h - crop) // 2, (h - crop) // 2 + crop, 0, w
    if h * width < w * height:
        crop = h * width // height
        return 0, h, (w - crop) // 2, (w - crop) // 2 + crop
    return 0, h, 0, w
