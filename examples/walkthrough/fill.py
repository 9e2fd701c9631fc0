"""Fill examples/README.md from its template with the real outputs that capture.sh saved.

Usage: fill.py TEMPLATE OUTPUT OUT_DIR; ``@@name@@`` or ``@@name:3-20,40-@@`` in the template
stands for (lines of) OUT_DIR/name.txt.
"""
import re, sys
from pathlib import Path

OUT = Path(sys.argv[3])

def block(m: re.Match) -> str:
    name, rng = m.group(1), m.group(2)
    lines = [l.rstrip() for l in (OUT / f"{name}.txt").read_text().splitlines()]
    lines = [l for l in lines if not re.fullmatch(r"\[exit \d+\]", l)]
    if rng:
        parts = []
        for piece in rng.split(","):
            if piece.startswith("last"):  # the last N lines, however long the output is
                if parts:
                    parts.append("…")
                parts.extend(lines[-int(piece[4:]) :])
                continue
            a, _, b = piece.partition("-")
            a = int(a); b = (int(b) if b else len(lines)) if _ else a
            if parts:
                parts.append("…")
            parts.extend(lines[a - 1 : b])
        lines = parts
    return "\n".join(lines)

text = Path(sys.argv[1]).read_text()
text = re.sub(r"@@([\w-]+)(?::([\w,-]+))?@@", block, text)
Path(sys.argv[2]).write_text(text)
