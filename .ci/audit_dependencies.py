"""Dependency audit that cannot report a false all-clear.

``pip-audit --strict`` over the installed packages (the project itself excluded: it is not on PyPI).
Where the advisory source cannot answer for a package, plain pip-audit skips it and still prints
"No known vulnerabilities found"; ``--strict`` fails instead. So:

- strict run passes: every package was checked, none has a known vulnerability -> exit 0.
- a package has a known vulnerability -> list them, exit 1.
- packages could not be checked -> print "DEPENDENCY AUDIT NOT PERFORMED: <reason>" and exit 0: a
  loud warning that no result is claimed, not a pass.

ADVOCACY_AUDIT_OSV_URL points pip-audit at an OSV-compatible server (e.g. a local one reading a dated
snapshot of pypa/advisory-database) when the public services are out of reach.
"""

from __future__ import annotations

import json
import os
import subprocess  # runs pip and pip-audit from this virtualenv, with fixed arguments  # nosec B404
import sys
import tempfile
from pathlib import Path

BIN = Path(sys.executable).parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    # Our own tools from this virtualenv, with arguments built here: nothing from outside reaches the command.
    return subprocess.run(args, capture_output=True, text=True, timeout=600, check=False)  # noqa: S603  # nosec B603


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        requirements, report = Path(tmp) / "requirements.txt", Path(tmp) / "audit.json"
        frozen = run(str(BIN / "python"), "-m", "pip", "freeze", "--exclude-editable")
        requirements.write_text(frozen.stdout)
        source = ["-s", "osv", "--osv-url", os.environ["ADVOCACY_AUDIT_OSV_URL"]] \
            if os.environ.get("ADVOCACY_AUDIT_OSV_URL") else []
        audit = [str(BIN / "pip-audit"), *source, "--no-deps", "--disable-pip", "-r", str(requirements),
                 "--progress-spinner", "off", "--timeout", "15"]
        strict = run(*audit, "--strict")
        if strict.returncode == 0:
            count = len([line for line in frozen.stdout.splitlines() if line.strip()])
            print(f"dependency audit: {count} packages checked, no known vulnerabilities")
            return 0
        # Find out why: the same audit without --strict says which packages it checked and what it found.
        run(*audit, "-f", "json", "-o", str(report))
        try:
            dependencies = json.loads(report.read_text())["dependencies"]
        except (OSError, ValueError, KeyError):
            reason = (strict.stderr.strip().splitlines() or ["pip-audit failed without saying why"])[-1]
            print(f"DEPENDENCY AUDIT NOT PERFORMED: {reason}")
            return 0
    vulnerable = [d for d in dependencies if d.get("vulns")]
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            print(f"VULNERABLE: {dependency['name']} {dependency['version']}: {vuln['id']} (fixed in {fixed})")
    skipped = [d for d in dependencies if d.get("skip_reason")]
    if skipped:
        print(f"DEPENDENCY AUDIT NOT PERFORMED: {len(skipped)} of {len(dependencies)} packages could not be "
              f"checked ({skipped[0]['skip_reason']}); no vulnerability result is claimed for them.")
    if vulnerable:
        return 1
    if not skipped:
        print(f"DEPENDENCY AUDIT NOT PERFORMED: pip-audit --strict failed: {strict.stderr.strip()[-300:]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
