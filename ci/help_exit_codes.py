#!/usr/bin/env python3
"""Every command's --help says the same exit codes as the README's table, and
the commands really exit that way. The README's `| code | meaning |` table is
the authority; each `hvbench COMMAND --help` ends with an
`exit: N what, N what, ...` paragraph (run by ci/test-help-exit-codes.sh).

usage: help_exit_codes.py HVBENCH [README]
Prints ok:/FAIL: lines; exit 0 when all agree, 1 otherwise.
"""
import os
import re
import subprocess
import sys
import tempfile

COMMANDS = ["run", "info", "list", "selftest", "compare", "plot", "report",
            "dashboard", "export", "profile", "db"]
# Words too common to tie a help text to a README row.
STOP = {"a", "an", "the", "or", "and", "of", "to", "in", "is", "be", "but",
        "not", "no", "any", "was", "could", "cannot", "nothing", "every",
        "all", "its", "it", "what", "when", "which", "with", "this", "on"}


def words(text):
    """Significant words, cut to 4 letters so written/write, failed/fail
    and read/readable meet."""
    return {w[:4] for w in re.findall(r"[a-z0-9]+", text.lower())
            if w not in STOP}


def readme_codes(path):
    codes = {}
    table = False
    with open(path, encoding="utf-8") as f:
        for line in f:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if line.startswith("|") and [c.lower() for c in cells] == ["code", "meaning"]:
                table = True
                continue
            if not line.startswith("|"):
                table = False
            if table and re.fullmatch(r"\d+", cells[0]):
                codes[int(cells[0])] = cells[1]
    return codes


def exit_items(text):
    """{code: what} from the help's `exit:` paragraph (continuation lines
    are indented); None when there is none."""
    m = re.search(r"^exit: (.*(?:\n[ \t]+\S.*)*)", text, re.M)
    if not m:
        return None
    para = " ".join(m.group(1).split())
    items = {}
    for im in re.finditer(r"(?:^|[,;] )(\d+) (.*?)(?=[,;] \d+ |$)", para):
        items[int(im.group(1))] = im.group(2)
    return items


def top_items(text):
    """{code: what} of `hvbench --help`'s `exit codes:` list."""
    items = {}
    block = text.split("exit codes:", 1)
    if len(block) < 2:
        return None
    for line in block[1].splitlines():
        m = re.match(r"\s+(\d+)\s+(.*)", line)
        if m:
            items[int(m.group(1))] = m.group(2)
    return items


class Report:
    def __init__(self):
        self.fails = 0
        self.oks = 0

    def ok(self, msg):
        self.oks += 1
        print(f"ok: {msg}")

    def bad(self, msg):
        self.fails += 1
        print(f"FAIL: {msg}")


def compare_items(r, who, items, readme):
    for code, what in sorted(items.items()):
        if code not in readme:
            r.bad(f"{who}: exit {code} ({what!r}) is not in the README's table")
        elif not words(what) & words(readme[code]):
            r.bad(f"{who}: exit {code} says {what!r}, the README says {readme[code]!r}")
        else:
            r.ok(f"{who}: exit {code} {what!r} matches the README")


def code_for(readme, phrase):
    hits = [c for c, m in readme.items() if phrase in m]
    return hits[0] if len(hits) == 1 else None


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    hv = sys.argv[1]
    readme = readme_codes(sys.argv[2] if len(sys.argv) > 2 else "README.md")
    r = Report()
    if not readme:
        r.bad("README.md has no | code | meaning | table")
        return 1
    helps = {}
    top = subprocess.run([hv, "--help"], capture_output=True, text=True)
    items = top_items(top.stdout)
    if items is None:
        r.bad("hvbench --help has no 'exit codes:' list")
    else:
        compare_items(r, "hvbench --help", items, readme)
        if set(items) != set(readme):
            r.bad(f"hvbench --help lists codes {sorted(items)}, the README {sorted(readme)}")
    for cmd in COMMANDS:
        p = subprocess.run([hv, cmd, "--help"], capture_output=True, text=True)
        items = exit_items(p.stdout)
        if p.returncode != 0 or items is None:
            r.bad(f"{cmd} --help: exit {p.returncode}, "
                  f"{'no' if items is None else 'an'} 'exit:' paragraph")
            continue
        helps[cmd] = items
        compare_items(r, f"{cmd} --help", items, readme)

    # What the commands do must be what their help says, in the README's
    # numbers: a bad option, an unwritable output, an unreadable result.
    usage = code_for(readme, "bad command line")
    io = code_for(readme, "could not be read or written")
    if usage is None or io is None:
        r.bad("README: cannot find the 'bad command line' and 'could not be read or written' rows")
        return 1
    good = "tests/data/analysis/x86-vmx.json"
    junk = "tests/data/analysis/not-a-result.json"
    tmp = tempfile.mkdtemp(prefix="hvb-exit-")
    suite = os.path.join(tmp, "s.json")
    with open(suite, "w") as f:
        f.write('{"name": "s", "benchmarks": [{"name": "empty"}]}\n')
    nowhere = "/proc/hvbench-no-such-dir"
    cases = [(cmd, [cmd, "--no-such-option"], usage, "a bad option") for cmd in COMMANDS]
    cases += [
        ("run", ["run", suite, "-o", nowhere + "/r.json"], io, "an unwritable result file"),
        ("plot", ["plot", good, "-o", nowhere], io, "an unwritable folder"),
        ("report", ["report", good, "-o", nowhere + "/r.html"], io, "an unwritable file"),
        ("export", ["export", good, "--csv", "-o", nowhere + "/x.csv"], io, "an unwritable file"),
        ("dashboard", ["dashboard", "tests/data/analysis", "-o", nowhere], io, "an unwritable site"),
        ("db", ["db", "import", "--db", nowhere + "/s.db", good], io, "an unwritable store"),
        ("db", ["db", "export", "--db", os.path.join(tmp, "none.db"), "-o", os.path.join(tmp, "x")],
         io, "a missing store"),
        ("db", ["db", "import", "--db", os.path.join(tmp, "s.db"), junk], 1, "a file that is no result (skipped)"),
        # one rule: read but invalid is 2, could not be read is 4
        ("plot", ["plot", junk, "-o", os.path.join(tmp, "p")], usage, "a file that is no result"),
        ("report", ["report", junk, "-o", os.path.join(tmp, "r.html")], usage, "a file that is no result"),
        ("export", ["export", junk, "--csv"], usage, "a file that is no result"),
        ("compare", ["compare", junk, good], usage, "a file that is no result"),
        ("plot", ["plot", nowhere + "/r.json", "-o", os.path.join(tmp, "p")], io, "a missing result file"),
        ("report", ["report", nowhere + "/r.json", "-o", os.path.join(tmp, "r.html")], io, "a missing result file"),
        ("export", ["export", "/", "--csv"], io, "a folder as result file"),
        ("compare", ["compare", good, nowhere + "/r.json"], io, "a missing result file"),
        ("run", ["run", nowhere + "/s.json"], io, "a missing suite file"),
        ("run", ["run", "/"], io, "a folder as suite file"),
        ("run", ["run", junk], usage, "a file that is no suite"),
        ("dashboard", ["dashboard", os.path.join(tmp, "none"), "-o", os.path.join(tmp, "site")],
         io, "a missing results folder"),
    ]
    # run looks at /dev/kvm before the output, so without KVM it stops there.
    no_kvm = code_for(readme, "/dev/kvm")
    if subprocess.run([hv, "info"], capture_output=True).returncode == no_kvm:
        print("skip: run with an unwritable result file (/dev/kvm unusable here)")
        cases = [c for c in cases if c[1][:2] != ["run", suite]]
    for cmd, args, want, what in cases:
        p = subprocess.run([hv] + args, capture_output=True, text=True)
        listed = cmd in helps and want in helps[cmd]
        if p.returncode == want and listed:
            r.ok(f"{cmd} with {what} exits {want}, as its help and the README say")
        else:
            r.bad(f"{cmd} with {what}: exit {p.returncode}, README wants {want}"
                  f"{'' if listed else f', which {cmd} --help does not list'}")
    subprocess.run(["rm", "-rf", tmp])
    print(f"{r.oks} passed, {r.fails} failed")
    return 1 if r.fails else 0


if __name__ == "__main__":
    sys.exit(main())
