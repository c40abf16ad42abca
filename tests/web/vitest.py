"""Runs the dApp's vitest suite (web/test/) from pytest and reads its JSON report, so `make test`
exercises the TypeScript side and a test can assert which files ran and passed."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from fairkey.chain.artifacts import PROJECT_ROOT

WEB = PROJECT_ROOT / "web"


@dataclass(frozen=True)
class VitestRun:
    returncode: int
    output: str
    report: dict

    @property
    def passed(self) -> int:
        return self.report.get("numPassedTests", 0)

    @property
    def failed(self) -> int:
        return self.report.get("numFailedTests", 0) + self.report.get("numFailedTestSuites", 0)

    def files(self) -> dict[str, str]:
        """Each test file that ran (relative to web/) and its status (passed, failed)."""
        return {
            str(Path(r["name"]).relative_to(WEB)): r["status"]
            for r in self.report.get("testResults", [])
        }

    def failures(self) -> list[str]:
        return [
            f"{Path(r['name']).name} > {a['fullName']}: "
            + " ".join(a.get("failureMessages", []))[:2000]
            for r in self.report.get("testResults", [])
            for a in r.get("assertionResults", [])
            if a["status"] == "failed"
        ]


def run_vitest(
    tmp: Path, *files: str, env: dict[str, str] | None = None, timeout: float = 600
) -> VitestRun:
    """`npx vitest run [files]` in web/, its JSON report written to `tmp`."""
    if not (WEB / "node_modules" / ".bin" / "vitest").exists():
        raise RuntimeError("web/node_modules is missing: run `make install` (npm ci in web/)")
    report_file = tmp / "vitest-report.json"
    completed = subprocess.run(
        [
            "npx",
            "--no-install",
            "vitest",
            "run",
            "--reporter=default",
            "--reporter=json",
            f"--outputFile.json={report_file}",
            *files,
        ],  # fmt: skip
        cwd=WEB,
        env={**os.environ, **(env or {}), "CI": "1", "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    report = json.loads(report_file.read_text()) if report_file.exists() else {}
    return VitestRun(completed.returncode, completed.stdout + completed.stderr, report)
