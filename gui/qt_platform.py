"""Before the window opens on Linux: the libraries Qt's xcb platform needs, and the one apt
line that installs them, because Qt's own message names only one of them (libxcb-cursor0)
while several may be missing on a bare system."""

from __future__ import annotations

import ctypes
import os
import sys

# The shared libraries libqxcb.so and libQt6XcbQpa.so load (ldd on PySide6 6.11), with the
# Debian/Ubuntu package of each.
XCB_LIBRARIES = {
    "libxcb.so.1": "libxcb1",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libdbus-1.so.3": "libdbus-1-3",
}
APT_LINE = "sudo apt-get install " + " ".join(sorted(set(XCB_LIBRARIES.values())))


def uses_xcb(environ=os.environ, platform: str = sys.platform) -> bool:
    """Whether Qt will pick its xcb platform: Linux on X11, with no other platform asked for."""
    asked = environ.get("QT_QPA_PLATFORM", "")
    if not platform.startswith("linux") or asked not in ("", "xcb"):
        return False
    return asked == "xcb" or not environ.get("WAYLAND_DISPLAY")


def missing_libraries(load=ctypes.CDLL) -> list[str]:
    """The xcb platform's libraries that cannot be loaded here."""
    missing = []
    for name in XCB_LIBRARIES:
        try:
            load(name)
        except OSError:
            missing.append(name)
    return missing


def xcb_problem(environ=os.environ, platform: str = sys.platform, load=ctypes.CDLL) -> str:
    """What stops the window from opening on xcb, with the line that fixes it; "" if nothing."""
    if not uses_xcb(environ, platform):
        return ""
    missing = missing_libraries(load)
    if not missing:
        return ""
    return (
        f"The window cannot open: Qt's xcb platform needs {', '.join(missing)}, missing on "
        f"this system. Install every library it needs with:\n    {APT_LINE}\n"
        f"(or run the headless commands, or QT_QPA_PLATFORM=offscreen for tests)."
    )
