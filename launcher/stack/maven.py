"""Resolve a service's jars from Maven Central with the POM shipped under deploy/local/maven/."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from policyradar.errors import StackError
from policyradar.settings import PROJECT_ROOT

POM_DIR = PROJECT_ROOT / "deploy" / "local" / "maven"
COPY_GOAL = "org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies"
COMPLETE_MARKER = ".complete"


def resolve_jars(component: str, lib_root: Path, say=print) -> Path:
    """Copy ``component``'s runtime jars into ``lib_root/component`` once; return that folder.

    The copy goes to a temporary folder first and is renamed when Maven succeeds, so an
    interrupted download never leaves a half-filled folder that a later start would trust.
    """
    target = lib_root / component
    if (target / COMPLETE_MARKER).exists():
        return target
    pom = POM_DIR / component / "pom.xml"
    if not pom.exists():
        raise StackError(f"no POM for {component!r} at {pom}")
    if shutil.which("mvn") is None:
        raise StackError("Maven (mvn) is not on PATH; it resolves the Kafka and OpenSearch jars")
    partial = lib_root / f"{component}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    say(f"  resolving {component} jars from Maven Central (first run only; a few hundred MB)...")
    command = [
        "mvn",
        "-B",
        "-q",
        "-f",
        str(pom),
        COPY_GOAL,
        "-DincludeScope=runtime",
        f"-DoutputDirectory={partial}",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = (result.stdout + result.stderr)[-2000:]
        raise StackError(f"Maven could not resolve {component} from {pom}:\n{tail}")
    (partial / COMPLETE_MARKER).write_text("resolved by policyradar stack up\n")
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    return target
