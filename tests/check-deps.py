#!/usr/bin/env python3
"""check-deps.py: no two source files may call each other, even through others.

    python3 tests/check-deps.py [--allow FILE] OBJ_OR_DIR...
    python3 tests/check-deps.py --self-test

Reads the symbol tables of the object files (nm) in the directories given:
a file that uses a symbol another file defines depends on that file.  Every
cycle of that graph is reported (each strongly connected component, with the
symbols that tie its files together, and one shortest cycle through it), and
the exit status is 1 if there is any, 0 if none, 2 on a usage error.

--allow FILE names edges to leave out, one "FROM TO" per line (# comments),
each with the move that will remove it: a known knot waiting for its owner.
An allowed edge that no longer exists is an error too, so that the list
only shrinks.

Why: a helper that lives in a handler file (as role_name once lived in the
handler file op-user.c, used by the dispatcher that called it) ties modules
into a knot that can only be understood, tested or replaced whole.  Helpers belong in the module they
serve; handlers depend on modules, never the other way round.
"""

import os
import subprocess
import sys
import tempfile
from collections import defaultdict, deque


def symbols(objs):
    """{obj: (defined, used)} global symbol names of the object files, read
    with one nm for each kind (not two per file: nm's start-up was most of
    this check's time)."""
    out = {o: (set(), set()) for o in objs}
    for i, kind in enumerate(("--defined-only", "--undefined-only")):
        text = subprocess.run(["nm", "-g", "-A", kind] + list(objs),
                              capture_output=True, text=True,
                              check=True).stdout
        for l in text.splitlines():
            obj, _, rest = l.partition(":")
            if rest.strip() and obj in out:
                out[obj][i].add(rest.split()[-1])
    return out


def objects(paths):
    objs = []
    for p in paths:
        if os.path.isdir(p):
            for dirpath, _, names in os.walk(p):
                objs += [os.path.join(dirpath, n) for n in names
                         if n.endswith(".o")]
        elif p.endswith(".o"):
            objs.append(p)
        else:
            raise SystemExit("check-deps: %s: not a directory or .o" % p)
    return sorted(objs)


def name_of(obj):
    """build/server/conn.o -> server/conn.c (what a reader opens)."""
    parts = obj.split(os.sep)
    for i, part in enumerate(parts):
        if part in ("server", "common", "client", "gen", "tests"):
            return os.sep.join(parts[i:])[:-2] + ".c"
    return obj


def graph(objs):
    """file -> {file it uses: sorted symbols}."""
    owner = {}
    used = {}
    syms = symbols(objs) if objs else {}
    for o in objs:
        d, u = syms[o]
        f = name_of(o)
        for s in d:
            owner.setdefault(s, f)
        used[f] = u
    g = defaultdict(lambda: defaultdict(list))
    for f, us in used.items():
        g[f]  # every file is a node, even one with no edges
        for s in sorted(us):
            t = owner.get(s)
            if t is not None and t != f:
                g[f][t].append(s)
    return g


def sccs(g):
    """Tarjan's strongly connected components, iteratively."""
    index, low, onstack, stack, out = {}, {}, set(), [], []
    counter = [0]
    for root in sorted(g):
        if root in index:
            continue
        work = [(root, iter(sorted(g[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        onstack.add(root)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    onstack.add(w)
                    work.append((w, iter(sorted(g[w]))))
                    advanced = True
                    break
                if w in onstack:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    onstack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def shortest_cycle(g, comp):
    """One shortest cycle inside comp, as a list of files."""
    members = set(comp)
    best = None
    for start in comp:
        prev = {start: None}
        q = deque([start])
        found = None
        while q and found is None:
            v = q.popleft()
            for w in sorted(g[v]):
                if w not in members:
                    continue
                if w == start:
                    found = v
                    break
                if w not in prev:
                    prev[w] = v
                    q.append(w)
        if found is None:
            continue
        path = [found]
        while prev[path[-1]] is not None:
            path.append(prev[path[-1]])
        path.reverse()
        if best is None or len(path) < len(best):
            best = path
    return best


def read_allow(path):
    edges = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].split()
            if not line:
                continue
            if len(line) != 2:
                raise SystemExit("check-deps: %s:%d: want FROM TO"
                                 % (path, n))
            edges.append(tuple(line))
    return edges


def drop_allowed(g, allowed, say=print):
    """Remove the allowed edges from g; the number that were not there."""
    stale = 0
    for f, t in allowed:
        if t in g.get(f, {}):
            say("check-deps: allowed for now: %s uses %s: %s"
                  % (f, t, ", ".join(g[f][t])))
            del g[f][t]
        else:
            say("check-deps: %s no longer uses %s: remove it from the "
                  "allow list" % (f, t))
            stale += 1
    return stale


def report(g, stale=0):
    comps = sccs(g)
    for n, comp in enumerate(comps, 1):
        cyc = shortest_cycle(g, comp)
        print("cycle %d: %d files: %s" % (n, len(comp), " ".join(comp)))
        print("  shortest: %s" % " -> ".join(cyc + [cyc[0]]))
        members = set(comp)
        for f in comp:
            for t in sorted(g[f]):
                if t in members:
                    print("  %s uses %s: %s" % (f, t, ", ".join(g[f][t])))
    if comps:
        print("check-deps: %d cycle(s) between files" % len(comps))
        return 1
    if stale:
        return 1
    print("check-deps: no cycles between %d files" % len(g))
    return 0


def self_test():
    """The checker must refuse a cycle, and pass its broken version."""
    cc = os.environ.get("CC", "cc")
    quiet = lambda *args: None
    with tempfile.TemporaryDirectory() as tmp:
        srcs = {
            "server/a.c": "int b(void); int a(void) { return b(); }\n",
            "server/b.c": "int c(void); int b(void) { return c(); }\n",
            "server/c.c": "int a(void); int c(void) { return a(); }\n",
            "server/d.c": "int a(void); int d(void) { return a(); }\n",
        }
        for rel, text in srcs.items():
            path = os.path.join(tmp, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
            subprocess.run([cc, "-c", "-o", path[:-2] + ".o", path],
                           check=True)
        g = graph(objects([os.path.join(tmp, "server")]))
        comps = sccs(g)
        want = [["server/a.c", "server/b.c", "server/c.c"]]
        if comps != want:
            print("check-deps self-test: found %r, want %r" % (comps, want))
            return 1
        # An allowed edge takes the cycle out; an allowed edge that is
        # not there fails (the list only shrinks).
        g = graph(objects([os.path.join(tmp, "server")]))
        if drop_allowed(g, [("server/c.c", "server/a.c")], quiet) != 0 or sccs(g):
            print("check-deps self-test: the allow list did not apply")
            return 1
        g = graph(objects([os.path.join(tmp, "server")]))
        if drop_allowed(g, [("server/a.c", "server/d.c")], quiet) != 1:
            print("check-deps self-test: a stale allowed edge passed")
            return 1
        # Break the cycle as a move would: c no longer calls a.
        with open(os.path.join(tmp, "server/c.c"), "w") as f:
            f.write("int c(void) { return 0; }\n")
        subprocess.run([cc, "-c", "-o", os.path.join(tmp, "server/c.o"),
                        os.path.join(tmp, "server/c.c")], check=True)
        comps = sccs(graph(objects([os.path.join(tmp, "server")])))
        if comps:
            print("check-deps self-test: a cycle in an acyclic graph: %r"
                  % comps)
            return 1
    print("check-deps self-test: refuses a cycle of three and a stale "
          "allowed edge, passes a DAG")
    return 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    args, allowed = argv[1:], []
    if args[:1] == ["--allow"] and len(args) >= 2:
        allowed, args = read_allow(args[1]), args[2:]
    if not args:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    g = graph(objects(args))
    return report(g, drop_allowed(g, allowed))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
