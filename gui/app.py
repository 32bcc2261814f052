"""Start the window: pick the initial source, set up logging, run the Qt event loop."""

from __future__ import annotations

import errno
import logging
import sys
import tempfile

from PySide6.QtWidgets import QApplication, QMessageBox

from engine import failures
from engine.live import sources
from engine.live.stream import LiveStream
from engine.models import zoo
from engine.workspace import model_files
from engine.workspace.store import ModelInfo, Workspace
from gui import qt_platform
from gui.core import settings
from gui.main_window import REMEMBERED_MODEL, MainWindow

log = logging.getLogger(__name__)


def initial_source(args) -> tuple[sources.Source, str]:
    """The source the options name, else camera 0 if it opens, else the demo with a notice."""
    named = sources.from_options(args.video, args.images, args.demo)
    if named is not None:
        return named, ""
    index = args.camera if args.camera is not None else 0
    if sources.camera_opens(index):
        return sources.CameraSource(index), ""
    return sources.SyntheticSource(), f"No camera {index}: showing the demo stream (Source menu)"


def initial_model(spec: str | None):
    """A zoo name or the ModelInfo of a .keras file given with --model."""
    if spec and spec.endswith(".keras"):
        model_files.check_file(spec)  # a missing or foreign file is said so, not its .json
        return ModelInfo.read(spec)
    return spec or zoo.DEFAULT_MODEL


def remembered_model(spec: str | None):
    """The model the last session ran (a zoo name or a .keras path) if it still opens, else the
    default, without a word: a model deleted since is no error."""
    if spec in zoo.ZOO:
        return spec
    if spec and spec.endswith(".keras"):
        try:
            return initial_model(spec)
        except (ValueError, OSError) as error:
            log.info("the model used last does not open (%s): starting with the default", error)
    return zoo.DEFAULT_MODEL


def workspace_problem(workspace: Workspace) -> str:
    """What stops the app from writing in the workspace, as a sentence; "" when it can."""
    try:
        if workspace.root.exists() and not workspace.root.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "Not a directory", str(workspace.root))
        workspace.root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=workspace.root):
            pass
    except OSError as error:
        known = failures.explain(error)
        reason = known.sentence if known else f"{error}."
        return (
            f"The workspace {workspace.root} cannot be written: {reason} Models, images and "
            f"snapshots cannot be saved; start with --workspace DIR to use another folder."
        )
    return ""


def run_gui(args) -> int:
    problem = "" if QApplication.instance() else qt_platform.xcb_problem()
    if problem:
        print(problem, file=sys.stderr)  # Qt would abort naming one library of several
        return 1
    app = QApplication.instance() or QApplication(sys.argv)
    app.setOrganizationName(settings.ORGANIZATION)  # where QSettings keeps what it remembers
    app.setApplicationName(settings.APPLICATION)
    workspace = Workspace(args.workspace)
    problem = workspace_problem(workspace)
    if problem:
        log.warning("%s", problem)
    else:
        _log_to_workspace(workspace)
        workspace.recover()  # what killed runs left: scratch files, stale locks
    sys.excepthook = _report_unexpected
    source, notice = initial_source(args)
    notice = problem or notice
    if args.model is None:
        model = remembered_model(settings.Remembered().text(REMEMBERED_MODEL))
    else:
        try:
            model = initial_model(args.model)
        except ValueError as error:
            model, notice = zoo.DEFAULT_MODEL, str(error)
    window = MainWindow(
        LiveStream(source),
        workspace,
        model=model,
        weights=args.weights,
        top_k=args.top_k,  # None when not given: the last session's
        notice=notice,
    )
    window.show()
    window.start()
    return app.exec()


def _log_to_workspace(workspace: Workspace) -> None:
    try:
        workspace.root.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(workspace.root / "lab.log")
    except OSError:
        return
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    logging.getLogger().addHandler(handler)


def _report_unexpected(kind, value, traceback) -> None:
    """Log an unexpected error and tell the person in a message box instead of a traceback."""
    log.error("unexpected error", exc_info=(kind, value, traceback))
    QMessageBox.critical(
        None,
        "Something went wrong",
        f"{value}\n\nThe details are in the log file in the workspace. The window keeps running.",
    )
