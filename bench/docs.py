"""Each benchmark owns one `## ` section of docs/benchmarks.md and replaces only it."""
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def replace_section(title: str, text: str, path: Path = DOCS) -> None:
    """`text` starts with the `title` line; the old section (up to the next `## `) is replaced or appended."""
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    if title not in current:
        path.write_text(current.rstrip() + "\n\n" + text.rstrip() + "\n")
        return
    before, _, after = current.partition(title)
    rest = after[after.find("\n## ") + 1:] if "\n## " in after else ""
    path.write_text(before + text.rstrip() + "\n" + ("\n" + rest if rest else ""))
