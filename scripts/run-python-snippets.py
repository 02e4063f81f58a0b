"""Runs snippet programs (written by scripts/run-snippets.ts) one after the other in this interpreter.

Each file runs as __main__ in a namespace of its own (runpy); the jsii kernel and aws-cdk-lib load once
for all of them. Prints one line per snippet and the traceback of each failure, then a summary that names
each failing snippet by its page and fence line, the line of its Python translation that raised, and the
error; exits 1 if any failed.

Usage (from the folder holding the files): python run-python-snippets.py snippets.json <file.py> ...
snippets.json maps each file to {"origin": "<page>:<fence line>", "fixture", "firstLine", "lineCount"}
(firstLine: the file's line where the translation starts).
"""
import json
import runpy
import sys
import time
import traceback


def where(name: str, info: dict, error: BaseException) -> str:
    """The page and fence line of a snippet, and the line of its translation (or of its fixture) that raised."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.endswith(name)]
    head = f"{info['origin']} (fixture {info['fixture']}, {name})"
    if not frames or frames[-1].lineno is None:
        return head
    line = frames[-1].lineno
    text = (frames[-1].line or "").strip()
    if info["firstLine"] <= line < info["firstLine"] + info["lineCount"]:
        return f"{head}, line {line - info['firstLine'] + 1} of its Python translation: {text}"
    return f"{head}, in rosetta/{info['fixture']}.py-fixture around it (line {line}): {text}"


def main(manifest: str, files: list) -> int:
    with open(manifest, encoding="utf-8") as f:
        snippets = json.load(f)
    failed = []
    for name in files:
        t0 = time.monotonic()
        try:
            runpy.run_path(name, run_name="__main__")
        except BaseException as e:  # SystemExit and KeyboardInterrupt from a snippet are failures too
            failed.append(f"{where(name, snippets[name], e)}\n      {type(e).__name__}: {e}")
            print(f"python: {snippets[name]['origin']} ({name}) FAILED", file=sys.stderr)
            traceback.print_exc()
            continue
        print(f"python: {name} ran and synthesized ({time.monotonic() - t0:.1f} s)")
    print(f"python: {len(files) - len(failed)} of {len(files)} snippets ran")
    if failed:
        print(f"\npython: {len(failed)} of {len(files)} snippets fail to run:", file=sys.stderr)
        for f in failed:
            print(f"  - {f}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
