#!/usr/bin/env python3
"""Fails loudly when a package would ship without what the library needs at run time.

  python3 scripts/check-package.py sources            the working tree, before jsii-pacmak packs it
  python3 scripts/check-package.py js|python|java|go  the package jsii-pacmak wrote to dist/<target>

What the library needs, whichever task order built it:
  - one handler bundle per src/**/<name>.lambda.ts: assets/<dir>/<name>.lambda/index.js
    (the constructs find their Lambda code there; without it synthesis fails with "Cannot find asset");
  - lib/index.js and the jsii assembly (.jsii);
  - the bin script of package.json ("cdk-ecr-registry": lib/cli/main.js), executable and starting with
    "#!/usr/bin/env node": the Python, Java and Go bindings run it straight from the embedded npm tarball,
    so a mode-644 file there is a PermissionError for the `cdk-ecr-registry` command a wheel installs.

Every binding embeds the npm tarball (package/...); the check opens it inside the wheel, the jar or the Go
module and checks the same entries there. Only the standard library: no install needed.
"""
import glob
import io
import json
import os
import stat
import sys
import tarfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def package_json():
    with open(os.path.join(ROOT, 'package.json'), encoding='utf-8') as f:
        return json.load(f)


def required_files():
    """Paths (relative to the package root) that must ship, and the subset that must be executable."""
    pkg = package_json()
    needed = ['lib/index.js', '.jsii']
    for handler in sorted(glob.glob(os.path.join(ROOT, 'src', '**', '*.lambda.ts'), recursive=True)):
        rel = os.path.relpath(handler, os.path.join(ROOT, 'src'))
        needed.append('assets/' + rel[:-len('.ts')].replace(os.sep, '/') + '/index.js')
    executables = sorted(set(os.path.normpath(p).replace(os.sep, '/') for p in (pkg.get('bin') or {}).values()))
    return needed + executables, executables


# Local work folders (virtualenvs, CI outputs, caches) that must never end up in a package.
FORBIDDEN_PREFIXES = ('.venv/', '.venv-bindings/', '.ci-work/', '.mypy_cache/', 'dist/')


def check_entries(where, files, read):
    """files: {path: mode}; read(path) -> first bytes. Returns a list of problems."""
    needed, executables = required_files()
    problems = []
    for prefix in FORBIDDEN_PREFIXES:
        count = sum(1 for path in files if path.startswith(prefix))
        if count:
            problems.append(f'{where}: {count} files under {prefix} (a local work folder; add it to .npmignore)')
    for path in needed:
        if path not in files:
            problems.append(f'{where}: {path} is missing')
            continue
        if path.startswith('assets/') and len(read(path)) == 0:
            problems.append(f'{where}: {path} is empty')
    for path in executables:
        if path not in files:
            continue
        mode = files[path]
        if not mode & stat.S_IXUSR or not mode & stat.S_IXOTH:
            problems.append(f'{where}: {path} has mode {oct(mode & 0o777)}; a bin script must be executable (755), '
                            'or the bindings cannot run it (PermissionError)')
        if not read(path).startswith(b'#!/usr/bin/env node'):
            problems.append(f'{where}: {path} does not start with "#!/usr/bin/env node"')
    return problems


def check_sources():
    files = {}
    needed, _ = required_files()
    for path in needed:
        full = os.path.join(ROOT, path)
        if os.path.isfile(full):
            files[path] = os.stat(full).st_mode

    def read(path):
        with open(os.path.join(ROOT, path), 'rb') as f:
            return f.read(64)
    return check_entries('working tree', files, read)


def check_npm_tarball(where, data):
    with tarfile.open(fileobj=io.BytesIO(data), mode='r:gz') as tar:
        members = {m.name[len('package/'):]: m for m in tar.getmembers() if m.isfile() and m.name.startswith('package/')}
        files = {name: m.mode for name, m in members.items()}

        def read(path):
            f = tar.extractfile(members[path])
            return f.read(64) if f else b''
        return check_entries(where, files, read)


def embedded_tarball_name():
    pkg = package_json()
    return f"{pkg['name']}@{pkg['version']}.jsii.tgz"


def check_artifact(target):
    dist = os.path.join(ROOT, 'dist', target)
    pkg = package_json()
    jsii_tgz = embedded_tarball_name()
    if target == 'js':
        found = glob.glob(os.path.join(dist, jsii_tgz))
    elif target == 'python':
        found = glob.glob(os.path.join(dist, '*.whl'))
    elif target == 'java':
        found = [p for p in glob.glob(os.path.join(dist, '**', f"*-{pkg['version']}.jar"), recursive=True)
                 if not p.endswith(('-sources.jar', '-javadoc.jar'))]
    elif target == 'go':
        found = glob.glob(os.path.join(dist, '*', 'jsii', '*.tgz'))
    else:
        raise SystemExit(f'unknown target {target}: use sources, js, python, java or go')
    if not found:
        return [f'no {target} package in {os.path.relpath(dist, ROOT)}']
    problems = []
    for artifact in found:
        where = os.path.relpath(artifact, ROOT)
        if target in ('js', 'go'):
            with open(artifact, 'rb') as f:
                problems += check_npm_tarball(where, f.read())
            continue
        with zipfile.ZipFile(artifact) as archive:
            if target == 'python':
                problems += check_console_script(where, archive)
            inner = [n for n in archive.namelist() if n.endswith('/' + jsii_tgz)]
            if len(inner) != 1:
                problems.append(f'{where}: expected one embedded {jsii_tgz}, found {len(inner)}')
                continue
            problems += check_npm_tarball(f'{where}!{inner[0]}', archive.read(inner[0]))
    return problems


# The wheel's console script writes jsii's kernel lines as text (scripts/patch-python-binding.py).
CONSOLE_SCRIPT_MARKER = '# cdk-ecr-registry: jsii kernel lines as text'


def check_console_script(where, archive):
    """The wheel's `cdk-ecr-registry` script carries the text sink, before the assembly loads, and RECORD agrees."""
    import base64
    import hashlib
    names = archive.namelist()
    scripts = [n for n in names if '.data/scripts/' in n and n.endswith('/cdk-ecr-registry')]
    if len(scripts) != 1:
        return [f'{where}: expected one .data/scripts/cdk-ecr-registry console script, found {len(scripts)}']
    body = archive.read(scripts[0])
    text = body.decode('utf-8')
    problems = []
    if CONSOLE_SCRIPT_MARKER not in text:
        problems.append(f'{where}: {scripts[0]} lacks the text sink for jsii kernel lines (scripts/patch-python-binding.py), '
                        "so jsii's banner would print as b'...' literals")
    elif text.index(CONSOLE_SCRIPT_MARKER) > text.index('JSIIAssembly.load'):
        problems.append(f'{where}: {scripts[0]}: the text sink comes after the assembly loads (the kernel has started)')
    digest = 'sha256=' + base64.urlsafe_b64encode(hashlib.sha256(body).digest()).rstrip(b'=').decode()
    records = [n for n in names if n.endswith('.dist-info/RECORD')]
    rows = [r for rec in records for r in archive.read(rec).decode('utf-8').splitlines() if r.split(',')[0] == scripts[0]]
    if rows != [f'{scripts[0]},{digest},{len(body)}']:
        problems.append(f'{where}: RECORD does not match {scripts[0]} ({rows}); pip would refuse the wheel')
    return problems


def main(argv):
    if len(argv) != 2:
        raise SystemExit(__doc__)
    target = argv[1]
    problems = check_sources() if target == 'sources' else check_artifact(target)
    if problems:
        print('check-package: the package would not work:', file=sys.stderr)
        for p in problems:
            print('  - ' + p, file=sys.stderr)
        if target == 'sources':
            print('  run `npx projen compile` and `npx projen bundle` (the package tasks run bundle themselves)',
                  file=sys.stderr)
        return 1
    needed, executables = required_files()
    print(f'check-package: {target}: {len(needed)} required files present, {len(executables)} bin script(s) executable')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
