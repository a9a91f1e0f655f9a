"""Smoke test of one smtp-doctor wheel, run on the platform the wheel is for.

Installs the wheel into a fresh venv (no index: the wheel alone must do), finds `smtp-doctor`
on the venv's PATH, checks `smtp-doctor --version`, and runs `smtp-doctor demo --json`: the
origin incident on a loopback lab (no network), which must give exit status 1, verdict
`degraded` and cause `tcp.filtered` (587 silently dropped, 465 with implicit TLS working).

    python smoke_wheel.py WHEEL VERSION

Used by .github/workflows/release.yml on every runner and by scripts/package here.
Standard library only; Python 3.8+.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import venv


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    wheel, version = os.path.abspath(sys.argv[1]), sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="smtp-doctor-smoke-") as tmp:
        env_dir = os.path.join(tmp, "venv")
        venv.create(env_dir, with_pip=True)
        bindir = os.path.join(env_dir, "Scripts" if os.name == "nt" else "bin")
        python = os.path.join(bindir, "python.exe" if os.name == "nt" else "python")
        subprocess.run(
            [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "--no-index", wheel],
            check=True,
        )
        env = dict(os.environ)
        env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
        exe = shutil.which("smtp-doctor", path=env["PATH"])
        if exe is None or os.path.dirname(os.path.abspath(exe)) != os.path.abspath(bindir):
            return fail("smtp-doctor on the venv's PATH is %r, not in %s" % (exe, bindir))
        print("ok    installed: %s" % exe)

        out = subprocess.run([exe, "--version"], env=env, capture_output=True, text=True,
                             timeout=60)
        if out.returncode != 0 or out.stdout.split()[-1:] != [version]:
            return fail("--version: status %d, %r (want %s)" % (out.returncode, out.stdout, version))
        print("ok    %s" % out.stdout.strip())

        demo = subprocess.run([exe, "demo", "--json"], env=env, capture_output=True,
                              text=True, encoding="utf-8", timeout=120)
        if demo.returncode != 1:
            return fail("demo --json: exit status %d, not 1\n%s%s"
                        % (demo.returncode, demo.stdout, demo.stderr))
        report = json.loads(demo.stdout)
        got = (report.get("verdict"), report.get("cause"))
        if got != ("degraded", "tcp.filtered"):
            return fail("demo --json: verdict %s, cause %s; want degraded, tcp.filtered\n%s"
                        % (got + (demo.stdout,)))
        print("ok    demo --json: verdict degraded, cause tcp.filtered, exit status 1")
    return 0


def fail(message: str) -> int:
    print("FAIL  " + message, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
