#!/usr/bin/env python3
"""What each lab costs in the release wasm: code bytes and their gzipped size, per lab module.

    bash scripts/wasm_cost.sh            # builds with readable symbol names, then runs this
    python3 scripts/wasm_cost.py FILE    # on a wasm already optimised with its name section

A function counts for a lab when its (v0-demangled) name mentions the lab's module
(`labs::coordination::raft`), which includes the kernel's generic code instantiated for the lab
(`Sim<Raft>::step`, with the lab's handlers inlined into it), and a plotted lab's view in the
app (`distlab_app::plots::placement`). Everything else is the shell.
The gzipped figure compresses each group's function bodies together: an estimate of what the
group adds to the gzipped download (the lab's texts, in the data section, are not counted).
"""
import collections
import gzip
import os
import re
import subprocess
import sys


def leb(b, i):
    r = s = 0
    while True:
        x = b[i]
        i += 1
        r |= (x & 0x7F) << s
        s += 7
        if x < 0x80:
            return r, i


def functions(path):
    """(name, body bytes) of every defined function, from the code and name sections."""
    data = open(path, "rb").read()
    i, imports, names, bodies = 8, 0, {}, []
    while i < len(data):
        sid = data[i]
        size, i = leb(data, i + 1)
        end = i + size
        if sid == 2:  # imports: count the imported functions (they come first in the index)
            j = i
            n, j = leb(data, j)
            for _ in range(n):
                for _ in range(2):
                    ln, j = leb(data, j)
                    j += ln
                kind = data[j]
                j += 1
                if kind == 0:
                    _, j = leb(data, j)
                    imports += 1
                elif kind == 1:
                    j += 1
                    flags, j = leb(data, j)
                    _, j = leb(data, j)
                    if flags & 1:
                        _, j = leb(data, j)
                elif kind == 2:
                    flags, j = leb(data, j)
                    _, j = leb(data, j)
                    if flags & 1:
                        _, j = leb(data, j)
                elif kind == 3:
                    j += 2
        elif sid == 10:
            j = i
            n, j = leb(data, j)
            for _ in range(n):
                ln, k = leb(data, j)
                bodies.append(data[j : k + ln])
                j = k + ln
        elif sid == 0:
            ln, j = leb(data, i)
            if data[j : j + ln] == b"name":
                j += ln
                while j < end:
                    sub = data[j]
                    ssz, j = leb(data, j + 1)
                    if sub == 1:
                        k = j
                        n, k = leb(data, k)
                        for _ in range(n):
                            idx, k = leb(data, k)
                            ln2, k = leb(data, k)
                            names[idx] = data[k : k + ln2].decode("utf-8", "replace")
                            k += ln2
                    j += ssz
        i = end
    raw = [names.get(imports + k, "") for k in range(len(bodies))]
    try:
        dem = subprocess.run(
            ["rustfilt"], input="\n".join(raw), capture_output=True, text=True, check=True
        ).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        dem = raw
    return list(zip(dem, bodies))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    funcs = functions(sys.argv[1])
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "engine", "src", "labs")
    folders = sorted(d for d in os.listdir(here) if os.path.isdir(os.path.join(here, d)))
    lab = re.compile(r"::labs::(?:%s)::(\w+)" % "|".join(folders))
    labs = {
        f[:-3] if f.endswith(".rs") else f
        for d in folders
        for f in os.listdir(os.path.join(here, d))
        if f != "mod.rs"
    }
    view = re.compile(r"distlab_app(?:\[[0-9a-f]+\])?::plots::(\w+)")
    groups = collections.defaultdict(list)
    for name, body in funcs:
        mods = {m.group(1) for m in lab.finditer(name)}
        # A plotted lab's view in the app (`distlab_app::plots::placement`) counts for its lab.
        mods |= {m.group(1) for m in view.finditer(name)} & labs
        key = sorted(mods)[0] if len(mods) == 1 else ("(shared by labs)" if mods else "(shell)")
        groups[key].append(body)
    total = sum(len(b) for bs in groups.values() for b in bs)
    print(f"{'module':28} {'code bytes':>10} {'gzipped':>9} {'share':>6}")
    for key, bs in sorted(groups.items(), key=lambda kv: -sum(map(len, kv[1]))):
        raw = b"".join(bs)
        gz = len(gzip.compress(raw, 9))
        print(f"{key:28} {len(raw):10} {gz:9} {100 * len(raw) / total:5.1f}%")
    print(f"{'all code':28} {total:10} {len(gzip.compress(b''.join(b for _, b in funcs), 9)):9}")


if __name__ == "__main__":
    main()
