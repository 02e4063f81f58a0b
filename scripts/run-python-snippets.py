"""Runs snippet programs (written by scripts/run-snippets.ts) one after the other in this interpreter.

Each file runs as __main__ in a namespace of its own (runpy); the jsii kernel and aws-cdk-lib load once
for all of them. Prints one line per snippet and the traceback of each failure; exits 1 if any failed.

Usage (from the folder holding the files): python run-python-snippets.py <file.py> ...
"""
import runpy
import sys
import time
import traceback


def main(files: list) -> int:
    failed = []
    for name in files:
        t0 = time.monotonic()
        try:
            runpy.run_path(name, run_name="__main__")
        except BaseException:  # SystemExit and KeyboardInterrupt from a snippet are failures too
            failed.append(name)
            print(f"python: {name} FAILED", file=sys.stderr)
            traceback.print_exc()
            continue
        print(f"python: {name} ran and synthesized ({time.monotonic() - t0:.1f} s)")
    print(f"python: {len(files) - len(failed)} of {len(files)} snippets ran")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
