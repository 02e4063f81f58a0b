#!/usr/bin/env python3
"""Repairs one defect of the Go binding that jsii-pacmak (1.140.0) generates: its run-time type checks
(`*__checks.go`) range over every collection parameter with `for idx, v := range *param`, also when the
parameter is optional, so passing nil (omitting it, as `RegistryScanning_Enhanced(nil)` does for
`RegistryScanning.enhanced()`) panics with a nil pointer dereference before the call reaches the library.

Every such loop gets a nil guard (`if param != nil { ... }`). The guard changes nothing for a required
parameter (checked for nil just before) and lets an omitted optional one through, as in every other
language. Idempotent; fails when the binding has no checks at all (the layout changed: look again).

Usage: python3 scripts/patch-go-binding.py [dist/go/cdkecrregistry]
"""
import pathlib
import re
import sys

LOOP = re.compile(r'^(\t+)for (idx_\w+), v := range \*(\w+) \{$')


def patch(text: str) -> tuple[str, int]:
    lines = text.split('\n')
    out: list[str] = []
    patched = 0
    i = 0
    while i < len(lines):
        m = LOOP.match(lines[i])
        guarded = i > 0 and lines[i - 1].strip() == f'if {m.group(3)} != nil {{' if m else False
        if not m or guarded:
            out.append(lines[i])
            i += 1
            continue
        indent, expr = m.group(1), m.group(3)
        end = next((j for j in range(i + 1, len(lines)) if lines[j] == f'{indent}}}'), None)
        if end is None:
            raise SystemExit(f'patch-go-binding: no end of the loop at line {i + 1}: {lines[i]!r}')
        out.append(f'{indent}if {expr} != nil {{')
        out.extend('\t' + l if l else l for l in lines[i:end + 1])
        out.append(f'{indent}}}')
        patched += 1
        i = end + 1
    return '\n'.join(out), patched


def main() -> None:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else 'dist/go/cdkecrregistry')
    checks = sorted(root.glob('**/*__checks.go'))
    if not checks:
        raise SystemExit(f'patch-go-binding: no *__checks.go under {root}: run jsii-pacmak --target go first')
    total = 0
    for f in checks:
        text, n = patch(f.read_text())
        if n:
            f.write_text(text)
            total += n
    print(f'patch-go-binding: {total} collection check(s) given a nil guard in {len(checks)} check files under {root}')


if __name__ == '__main__':
    main()
