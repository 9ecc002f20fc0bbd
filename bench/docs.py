"""docs/benchmarks.md: a full run of `python -m bench` replaces what lies between
two markers and nothing else, so the notes written by hand around it are kept."""
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
TITLE = "## Chat sockets and the queue (`.venv/bin/python -m bench`)"
BEGIN = "<!-- written by `python -m bench` on every full run, up to the end marker -->"
END = "<!-- end of `python -m bench` output; notes below are written by hand and kept -->"


def write_generated(text: str, path: Path = DOCS) -> None:
    block = f"{BEGIN}\n\n{text.strip()}\n\n{END}"
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    if BEGIN in current and END in current:
        before, rest = current.split(BEGIN, 1)
        path.write_text(before + block + rest.split(END, 1)[1])
        return
    # No generated part yet: it goes first, under the file's title, above everything kept.
    title, _, rest = current.partition("\n")
    path.write_text(f"{title}\n\n{TITLE}\n\n{block}\n" + (f"\n{rest.lstrip()}" if rest.strip() else ""))
