#!/usr/bin/env python3
"""One-off: assemble README.md from the head written here and the per-concern sections in docs/readme/."""
import pathlib
root = pathlib.Path(__file__).resolve().parent.parent
head = (root / 'README.md').read_text().split('\n## Repositories')[0]
repos = '## Repositories' + (root / 'README.md').read_text().split('\n## Repositories')[1]
order = ['lifecycle', 'access', 'registry', 'image-check', 'compliance', 'baseline', 'bench']
parts = [head.rstrip(), repos.strip()]
for name in order:
    f = root / 'docs' / 'readme' / f'{name}.md'
    if f.exists():
        parts.append(f.read_text().strip())
(root / 'README.md').write_text('\n\n'.join(parts) + '\n')
