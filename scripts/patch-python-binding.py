#!/usr/bin/env python3
"""The `cdk-ecr-registry` console script of the wheel (and of the sdist) prints jsii's banner as text.

  python3 scripts/patch-python-binding.py dist/python

jsii-pacmak writes the console script as `import jsii`, load the assembly, `invokeBinScript`. Loading the
assembly starts jsii's kernel (a Node.js process); the kernel's stderr reaches Python through
`jsii._kernel.providers.process.stderr_sink`, which writes lines of its JSON protocol as bytes and any other
line with `print(line)`: a `bytes` object, so jsii's Node.js end-of-life banner (Node 20, and Node 26 until
jsii knows it) shows as `b'!!!!...'` literals, ten of them, before the command's own output. The patch puts
a sink in front that writes those lines as text (UTF-8, undecodable bytes replaced), before the kernel starts.
jsii looks the sink up by name when it starts the kernel, so replacing the module attribute is enough; if a
jsii release renames it, the script runs unpatched (jsii's own behaviour) rather than failing.

The wheel's RECORD gets the new hash and size. Only the standard library; idempotent.
"""
import base64
import glob
import hashlib
import io
import os
import sys
import tarfile
import zipfile

MARKER = '# cdk-ecr-registry: jsii kernel lines as text'

PATCH = MARKER + '''
def _cdk_ecr_registry_text_sink():
    try:
        import base64 as _b64
        import json as _json
        import jsii._kernel.providers.process as _process
    except Exception:
        return
    if not hasattr(_process, "stderr_sink"):
        return

    def stderr_sink(reader):
        for line in iter(reader.readline, b""):
            try:
                console = _json.loads(line)
                if console.get("stderr") is not None:
                    sys.stderr.buffer.write(_b64.b64decode(console["stderr"]))
                if console.get("stdout") is not None:
                    sys.stdout.buffer.write(_b64.b64decode(console["stdout"]))
                continue
            except Exception:
                pass
            text = line.decode("utf-8", "replace") if isinstance(line, bytes) else str(line)
            sys.stderr.write(text if text.endswith("\\n") else text + "\\n")
            sys.stderr.flush()

    _process.stderr_sink = stderr_sink


_cdk_ecr_registry_text_sink()
'''


def patch_script(text: str, where: str) -> str:
    if MARKER in text:
        return text
    lines = text.split('\n')
    # After the imports jsii-pacmak writes (`import jsii`, `import sys`), before the assembly loads.
    try:
        last_import = max(i for i, line in enumerate(lines) if line.startswith('import '))
    except ValueError:
        raise SystemExit(f'{where}: no import line in the console script; jsii-pacmak changed its template')
    if not any(line.strip() == 'import sys' for line in lines[:last_import + 1]):
        lines.insert(last_import + 1, 'import sys')
        last_import += 1
    if not any('JSIIAssembly.load' in line for line in lines[last_import:]):
        raise SystemExit(f'{where}: the console script does not load the assembly after its imports; jsii-pacmak changed its template')
    lines[last_import + 1:last_import + 1] = ['', PATCH.rstrip('\n'), '']
    return '\n'.join(lines)


def record_hash(data: bytes) -> str:
    return 'sha256=' + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()


def patch_wheel(path: str) -> str:
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        contents = {i.filename: z.read(i.filename) for i in infos}
    scripts = [n for n in contents if '.data/scripts/' in n and n.endswith('/cdk-ecr-registry')]
    if len(scripts) != 1:
        raise SystemExit(f'{path}: expected one .data/scripts/cdk-ecr-registry, found {scripts}')
    name = scripts[0]
    contents[name] = patch_script(contents[name].decode('utf-8'), f'{path}:{name}').encode('utf-8')
    records = [n for n in contents if n.endswith('.dist-info/RECORD')]
    if len(records) != 1:
        raise SystemExit(f'{path}: expected one RECORD, found {records}')
    rows = []
    for row in contents[records[0]].decode('utf-8').splitlines():
        file = row.split(',')[0]
        if file == name:
            row = f'{name},{record_hash(contents[name])},{len(contents[name])}'
        rows.append(row)
    contents[records[0]] = ('\n'.join(rows) + '\n').encode('utf-8')
    tmp = path + '.tmp'
    with zipfile.ZipFile(tmp, 'w', zipfile.ZIP_DEFLATED) as out:
        for info in infos:
            out.writestr(info, contents[info.filename])
    os.replace(tmp, path)
    return name


def patch_sdist(path: str) -> str:
    with tarfile.open(path, 'r:gz') as t:
        members = t.getmembers()
        data = {m.name: (t.extractfile(m).read() if m.isfile() else None) for m in members}
    scripts = [n for n in data if n.endswith('/_jsii/bin/cdk-ecr-registry')]
    if len(scripts) != 1:
        raise SystemExit(f'{path}: expected one _jsii/bin/cdk-ecr-registry, found {scripts}')
    name = scripts[0]
    data[name] = patch_script(data[name].decode('utf-8'), f'{path}:{name}').encode('utf-8')
    tmp = path + '.tmp'
    with tarfile.open(tmp, 'w:gz') as out:
        for m in members:
            if m.isfile():
                m.size = len(data[m.name])
                out.addfile(m, io.BytesIO(data[m.name]))
            else:
                out.addfile(m)
    os.replace(tmp, path)
    return name


def main() -> None:
    folder = sys.argv[1] if len(sys.argv) > 1 else 'dist/python'
    wheels = glob.glob(os.path.join(folder, '*.whl'))
    sdists = glob.glob(os.path.join(folder, '*.tar.gz'))
    if not wheels:
        raise SystemExit(f'no wheel in {folder}: run jsii-pacmak --target python first')
    for w in wheels:
        print(f'{w}: patched {patch_wheel(w)}')
    for s in sdists:
        print(f'{s}: patched {patch_sdist(s)}')


if __name__ == '__main__':
    main()
