"""Take a screenshot of the real window on a virtual X display (Debian's xvfb and imagemagick).

    python tools/screenshot.py docs/screenshot.png [--wait 25] [-- app options...]

Without app options it shows the demo stream with MobileNetV2 and random weights (this
machine has no ImageNet weights), in a throwaway workspace.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("output")
    parser.add_argument("--wait", type=float, default=25.0, help="seconds before the shot")
    parser.add_argument("--display", default=":97")
    args, app_args = parser.parse_known_args()
    for tool in ("Xvfb", "import"):
        if not shutil.which(tool):
            print(f"{tool} is missing: apt-get install xvfb imagemagick", file=sys.stderr)
            return 2
    app_args = [a for a in app_args if a != "--"] or ["--demo", "--weights", "none"]
    workspace = tempfile.mkdtemp(prefix="dll-shot-")
    xvfb = subprocess.Popen(
        ["Xvfb", args.display, "-screen", "0", "1150x680x24", "-nolisten", "tcp"]
    )
    env = {  # a throwaway settings folder too: the shot shows defaults, not a session's
        **os.environ,
        "DISPLAY": args.display,
        "QT_QPA_PLATFORM": "xcb",
        "XDG_CONFIG_HOME": workspace,
    }
    app = None
    try:
        time.sleep(1.5)
        app = subprocess.Popen(
            [sys.executable, str(REPO / "main.py"), "--workspace", workspace, *app_args],
            env=env,
            cwd=REPO,
        )
        time.sleep(args.wait)
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["import", "-display", args.display, "-window", "root", args.output], check=True
        )
        print(f"wrote {args.output}")
        return 0
    finally:
        if app is not None:
            app.terminate()
            app.wait(10)
        xvfb.terminate()
        shutil.rmtree(workspace, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
