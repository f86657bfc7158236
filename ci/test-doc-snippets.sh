#!/bin/bash
# The code on docs/writing-a-benchmark.md is the code that builds and runs:
# a fenced block right after "<!-- file: PATH -->" must be PATH whole, one
# after "<!-- snippet: PATH -->" a run of PATH's lines, verbatim. Every c
# and json block must carry one of the two (shell lines and output need
# not). The example family's files are those tests/test_example_family.c
# builds and runs in make check.
set -u
cd "$(dirname "$0")/.."
if ! command -v python3 >/dev/null; then
	echo "SKIP: python3 missing"
	exit 0
fi
python3 - docs/writing-a-benchmark.md <<'PY'
import os, re, sys
doc = sys.argv[1]
lines = open(doc).read().split("\n")
fails = checked = 0
def bad(n, what):
    global fails
    print(f"FAIL: {doc}:{n}: {what}")
    fails += 1
i = 0
while i < len(lines):
    m = re.match(r"^```(\w*)\s*$", lines[i])
    if not m:
        i += 1
        continue
    lang, start = m.group(1), i + 1
    j = start
    while j < len(lines) and lines[j] != "```":
        j += 1
    if j == len(lines):
        bad(start, "a code block is never closed")
        break
    block = lines[start:j]
    k = i - 1
    while k >= 0 and not lines[k].strip():
        k -= 1
    tag = re.match(r"^<!-- (file|snippet): (\S+) -->$", lines[k]) if k >= 0 else None
    i = j + 1
    if not tag:
        if lang in ("c", "json"):
            bad(start, f"a {lang} block without <!-- file: PATH --> or <!-- snippet: PATH -->")
        continue
    kind, path = tag.groups()
    if not os.path.isfile(path):
        bad(start, f"{path}: no such file")
        continue
    text = open(path).read().split("\n")
    if text and text[-1] == "":
        text = text[:-1]
    checked += 1
    if kind == "file":
        if block != text:
            n = next((x for x in range(min(len(block), len(text))) if block[x] != text[x]),
                     min(len(block), len(text)))
            bad(start + n, f"the block is not {path} whole: from its line {n + 1} on"
                f" the file has {text[n]!r}" if n < len(text) else
                f"the block is longer than {path}")
        continue
    if not block or not any(text[x:x + len(block)] == block
                            for x in range(len(text) - len(block) + 1)):
        best = max(range(len(text)), key=lambda x: next(
            (y for y in range(len(block)) if x + y >= len(text) or text[x + y] != block[y]),
            len(block)), default=0)
        y = next((y for y in range(len(block)) if best + y >= len(text) or text[best + y] != block[y]), 0)
        bad(start + y, f"not in {path}: {block[y]!r}")
print(f"{'ok' if not fails else 'FAIL'}: {checked} quoted blocks of {doc} checked against their files")
sys.exit(1 if fails else 0)
PY
