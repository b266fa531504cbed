#!/usr/bin/env python3
"""export_cmp.py A.json B.json: whether two exports are the same but for
ids and the times of import (exit 0), else print the first difference.

Ids are the exporting database's and differ between databases: every id
and reference to one is replaced by the rank of the id in its set (an
import takes new ids in the old order, so the ranks agree).  Apart from
that nothing is dropped: times of check-ins, readings and creation are
kept by an import and compared."""
import json
import sys

REFS = {  # set -> {column: set whose ids it names}
    "kpis": {"id": "kpis"},
    "objectives": {"id": "objectives", "parent": "objectives"},
    "contributors": {"objective": "objectives"},
    "guardrails": {"objective": "objectives", "kpi": "kpis"},
    "key_results": {"id": "key_results", "objective": "objectives",
                    "kpi": "kpis"},
    "checkins": {"kr": "key_results"},
    "readings": {"kpi": "kpis"},
    "comments": {"objective": "objectives", "kr": "key_results",
                 "kpi": "kpis"},
}


def normal(doc):
    rank = {}
    for s in ("kpis", "objectives", "key_results"):
        ids = sorted(r["id"] for r in doc.get(s, []))
        rank[s] = {i: n for n, i in enumerate(ids)}
    out = {}
    for s, rows in doc.items():
        if not isinstance(rows, list):
            out[s] = rows
            continue
        new = []
        for r in rows:
            r = dict(r)
            for col, target in REFS.get(s, {}).items():
                if r.get(col) is not None:
                    r[col] = ("#", rank[target][r[col]])
            new.append(r)
        out[s] = sorted(new, key=lambda r: json.dumps(r, sort_keys=True))
    return out


def main():
    a, b = (normal(json.load(open(p))) for p in sys.argv[1:3])
    if a == b:
        return 0
    for s in sorted(set(a) | set(b)):
        if a.get(s) != b.get(s):
            ra, rb = a.get(s), b.get(s)
            if isinstance(ra, list) and isinstance(rb, list):
                print("%s: %d rows against %d" % (s, len(ra), len(rb)))
                for x, y in zip(ra, rb):
                    if x != y:
                        print("  %s\n  %s" % (x, y))
                        break
            else:
                print("%s: %s against %s" % (s, ra, rb))
            break
    return 1


sys.exit(main())
