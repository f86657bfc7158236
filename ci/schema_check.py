#!/usr/bin/env python3
"""Checks result files against docs/results-schema.md, both ways: every key a
file holds is documented there with a matching type, and every key the doc
marks as required is present. The doc's `key | type | presence | meaning`
tables are the only list of keys (ci/test-schema.sh runs this). Each record
must also agree with its own description: every `metrics` entry names a
value of its kind at its place, `headline` a statistics metric, and every
`flags` entry a boolean key.

usage: schema_check.py [--doc DOC] [--suite-doc DOC] [--result FILE]...
                       [--records FILE]...
  --result FILE   a result file of `hvbench run`
  --records FILE  `hvbench selftest --json` output: its checks[].record are
                  benchmark records
Exit 0 when every file agrees with the doc, 1 otherwise, 2 on bad usage or a
doc that cannot be read.
"""
import argparse
import json
import re
import sys

TYPES = {"string", "integer", "number", "bool", "null", "object", "array",
         "any"}
PRESENCE = {"always", "ok", "not-ok", "optional"}
HEADER = ["key", "type", "presence", "meaning"]
BLOCK = re.compile(r"<[a-z_]+>")


def split_row(line):
    """Cells of a markdown table row; `\\|` is a literal bar."""
    cells = re.split(r"(?<!\\)\|", line.strip())
    return [c.strip() for c in cells[1:-1]]


def parse_doc(path):
    """{path: (set of types, presence, line number)} from every table whose
    header is key | type | presence | meaning; errors of the doc itself."""
    rows, errors = {}, []
    in_table = False
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    for no, line in enumerate(lines, 1):
        if not line.lstrip().startswith("|"):
            in_table = False
            continue
        cells = split_row(line)
        if [c.lower() for c in cells] == HEADER:
            in_table = True
            continue
        if not in_table or set("".join(cells)) <= set("-: "):
            continue
        m = re.fullmatch(r"`([^`]+)`", cells[0])
        if len(cells) != 4 or not m:
            errors.append(f"{path}:{no}: row is not `key` | type | presence | meaning")
            continue
        key = m.group(1)
        types = {t.strip().strip("`") for t in cells[1].split(" or ")}
        if not all(t in TYPES or BLOCK.fullmatch(t) for t in types):
            errors.append(f"{path}:{no}: {key}: unknown type {cells[1]!r} (known: {', '.join(sorted(TYPES))})")
        if cells[2] not in PRESENCE:
            errors.append(f"{path}:{no}: {key}: unknown presence {cells[2]!r} (known: {', '.join(sorted(PRESENCE))})")
        if cells[2] in ("ok", "not-ok") and not key.startswith("benchmarks[]."):
            errors.append(f"{path}:{no}: {key}: presence {cells[2]} only means something inside a benchmark record")
        if key in rows:
            errors.append(f"{path}:{no}: {key} documented twice (first on line {rows[key][2]})")
        rows[key] = (types, cells[2], no)
    # Every row hangs from a documented container, so a typo in a path
    # cannot silently document nothing.
    for key, (types, _, no) in rows.items():
        for t in types:
            if BLOCK.fullmatch(t) and not any(k.startswith(t + ".") for k in rows):
                errors.append(f"{path}:{no}: {key}: type {t} has no rows `{t}.KEY`")
        parent = parent_of(key)
        if parent is None or BLOCK.fullmatch(parent):
            continue
        if parent not in rows:
            errors.append(f"{path}:{no}: {key}: its parent {parent} is not documented")
            continue
        ptypes = rows[parent][0]
        want = {"array"} if key.endswith("[]") else {"object"}
        if not ptypes & want and not any(BLOCK.fullmatch(t) for t in ptypes):
            errors.append(f"{path}:{no}: {key}: parent {parent} is not of type {' or '.join(sorted(want))}")
    if not rows:
        errors.append(f"{path}: no `key | type | presence | meaning` table found")
    return rows, errors


def parent_of(key):
    """`a.b` -> `a`, `a[]` -> `a`, top-level key -> None."""
    if key.endswith("[]"):
        return key[:-2]
    if "." not in key:
        return None
    # The last dot outside the final segment; keys themselves hold no dots.
    return key.rsplit(".", 1)[0]


def suite_params(path):
    """Parameter names of docs/suite-format.md: the backticked first cell of
    its table rows."""
    names = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.lstrip().startswith("|"):
                cells = split_row(line)
                m = re.fullmatch(r"`([a-z_0-9]+)`", cells[0]) if cells else None
                if m:
                    names.add(m.group(1))
    return names


def json_type(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def type_ok(v, types):
    t = json_type(v)
    if "any" in types or t in types:
        return True
    if t == "integer" and "number" in types:
        return True
    return t == "object" and any(BLOCK.fullmatch(x) for x in types)


class Checker:
    def __init__(self, rows, params):
        self.rows = rows
        self.params = params
        self.seen = set()
        self.problems = {}  # message -> (count, first example)

    def problem(self, msg, where):
        n, ex = self.problems.get(msg, (0, where))
        self.problems[msg] = (n + 1, ex)

    def children(self, base):
        """Direct child rows of base: name -> pattern."""
        out = {}
        prefix = base + "."
        for key in self.rows:
            if key.startswith(prefix):
                rest = key[len(prefix):]
                if "." not in rest and not rest.endswith("[]"):
                    out[rest] = key
        return out

    def check(self, v, pattern, where, status, disp=None):
        """v against the row `pattern`; disp is the path in the file with
        indexes dropped (the same as pattern outside named blocks)."""
        types, _, _ = self.rows[pattern]
        disp = disp or pattern
        self.seen.add(pattern)
        if not type_ok(v, types):
            self.problem(f"{disp}: is {json_type(v)}, the doc says {' or '.join(sorted(types))}", where)
            return
        if pattern == "benchmarks[]" and isinstance(v, dict):
            status = v.get("status")
            where = f"{where.split(' (')[0]} (benchmark {v.get('name')!r}, {status})"
            self.check_self_description(v, where)
        if isinstance(v, dict):
            blocks = [t for t in types if BLOCK.fullmatch(t)]
            base = blocks[0] if blocks else pattern
            kids = self.children(base)
            if not kids:
                return  # documented as a whole
            for k, x in v.items():
                if k in kids and k != "*":
                    self.check(x, kids[k], where, status, f"{disp}.{k}")
                elif "*" in kids:
                    if pattern == "benchmarks[].params" and k not in self.params:
                        self.problem(f"benchmarks[].params.{k}: not described in docs/suite-format.md", where)
                    self.check(x, kids["*"], where, status, f"{disp}.{k}")
                else:
                    self.problem(f"{disp}.{k}: in the file, not in the doc", where)
            for k, key in kids.items():
                if k == "*" or k in v:
                    continue
                presence = self.rows[key][1]
                if (presence == "always" or (presence == "ok" and status == "ok")
                        or (presence == "not-ok" and status not in (None, "ok"))):
                    row = "" if key == f"{disp}.{k}" else f" ({key})"
                    self.problem(f"{disp}.{k}: documented as {presence}{row}, missing", where)
        elif isinstance(v, list) and pattern + "[]" in self.rows:
            for x in v:
                self.check(x, pattern + "[]", where, status, disp + "[]")

    def check_self_description(self, rec, where):
        """The record's metrics, headline and flags name what it holds."""
        metrics = rec.get("metrics")
        if not isinstance(metrics, dict):
            return  # the key tables report a missing or mistyped one
        for name, m in metrics.items():
            v = rec
            for part in name.split("/"):
                v = v.get(part) if isinstance(v, dict) else None
            kind = m.get("kind") if isinstance(m, dict) else None
            if kind == "stats" and not (isinstance(v, dict) and "p50" in v):
                self.problem(f"metrics.{name}: kind stats, but no statistics block at {name.replace('/', '.')}", where)
            elif kind == "value" and not (v is None or type(v) in (int, float)):
                self.problem(f"metrics.{name}: kind value, but {json_type(v)} at {name.replace('/', '.')}", where)
            elif kind not in ("stats", "value"):
                self.problem(f"metrics.{name}: kind {kind!r} is neither stats nor value", where)
            part = m.get("part_of") if isinstance(m, dict) else None
            if part is not None and part not in metrics:
                self.problem(f"metrics.{name}: part_of {part!r} is no metric of the record", where)
        head = rec.get("headline")
        if head is not None and (metrics.get(head) or {}).get("kind") != "stats":
            self.problem(f"headline {head!r} is no stats metric of the record", where)
        if rec.get("status") == "ok" and head is None:
            self.problem("an ok record without a headline", where)
        for f in rec.get("flags") or []:
            if not isinstance(rec.get(f), bool):
                self.problem(f"flags: {f!r} is not a boolean key of the record", where)

    def check_result(self, doc, where):
        if not isinstance(doc, dict):
            self.problem("file is not a JSON object", where)
            return
        top = {k: k for k in self.rows if parent_of(k) is None}
        for k, x in doc.items():
            if k in top:
                self.check(x, k, where, None)
            else:
                self.problem(f"{k}: in the file, not in the doc", where)
        for k in top:
            if k not in doc and self.rows[k][1] == "always":
                self.problem(f"{k}: documented as always, missing", where)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--doc", default="docs/results-schema.md")
    ap.add_argument("--suite-doc", default="docs/suite-format.md")
    ap.add_argument("--result", action="append", default=[])
    ap.add_argument("--records", action="append", default=[])
    ap.add_argument("--unseen", action="store_true",
                    help="list documented keys no file held")
    a = ap.parse_args()
    try:
        rows, doc_errors = parse_doc(a.doc)
        params = suite_params(a.suite_doc)
    except OSError as e:
        print(f"schema_check: {e}", file=sys.stderr)
        return 2
    for e in doc_errors:
        print(f"FAIL: doc: {e}")
    c = Checker(rows, params)
    for path in a.result:
        with open(path, encoding="utf-8") as f:
            c.check_result(json.load(f), path)
    for path in a.records:
        with open(path, encoding="utf-8") as f:
            for i, chk in enumerate(json.load(f).get("checks", [])):
                if "record" in chk:
                    c.check(chk["record"], "benchmarks[]", f"{path} checks[{i}]", None)
    for msg, (n, where) in sorted(c.problems.items()):
        print(f"FAIL: {msg} ({n}x; e.g. {where})")
    nfiles = len(a.result) + len(a.records)
    print(f"schema_check: {len(rows)} documented keys, {nfiles} files, "
          f"{len(c.seen)} keys seen, {len(c.problems) + len(doc_errors)} problems")
    if a.unseen:
        unseen = sorted(k for k in rows if k not in c.seen and not BLOCK.match(k))
        print("documented, in none of these files: " + (", ".join(unseen) or "none"))
    return 1 if c.problems or doc_errors else 0


if __name__ == "__main__":
    sys.exit(main())
