#!/usr/bin/env python3
"""Runs the promtool unit tests of prometheus/llmon.rules.yml (ctest "prometheus: test rules").

promtool compares annotations exactly, so the label tests (every *.yml here but annotations.yml)
run against a copy of the rules with the annotations stripped, generated here in a temporary
directory, and annotations.yml tests the wording against the real file. Before that it checks
what promtool cannot: every alert has `for`, a severity, a summary and a description; the alerts
the issue names all exist; every alert fires in a label case and stays quiet in another, and has
an annotation case; every recording rule has an expression test.

Usage: run_tests.py [--promtool PATH]. Only the Python standard library; the rules file is
parsed line by line, which works because its layout is fixed (see llmon.rules.yml).
"""

import argparse
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
RULES = HERE.parent / "llmon.rules.yml"
ANNOTATION_TESTS = HERE / "annotations.yml"

REQUIRED_ALERTS = """
LlmonDown LlmonCollectorFailing LlmonCollectorStale LlmonConfigReloadFailed LlmonGpuMissing
LlmonGpuMemoryNearlyFull LlmonGpuHot LlmonHostMemoryLow LlmonOllamaDown LlmonOllamaRestarted
LlmonOllamaVersionChanged LlmonModelOffloadedToCpu LlmonModelEvictedOften LlmonTuningDrift
LlmonOllamaRestartPending LlmonBenchRegression LlmonBenchWrongAnswers LlmonBenchFailing
LlmonBenchStale
""".split()
SEVERITIES = {"critical", "warning", "info"}
RECORD_NAME = re.compile(r"^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$")


def indent_of(line):
    return len(line) - len(line.lstrip(" "))


def rule_blocks(text):
    """Yields (kind, name, lines) for every `- alert:` / `- record:` item of the rules file."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)- (alert|record): (\S+)\s*$", lines[i])
        if not m:
            i += 1
            continue
        base = len(m.group(1))
        j = i + 1
        while j < len(lines) and (not lines[j].strip() or indent_of(lines[j]) > base):
            j += 1
        yield m.group(2), m.group(3), lines[i:j]
        i = j


def strip_annotations(text):
    """The rules file without its `annotations:` maps (everything indented below them)."""
    out, skip_deeper_than = [], None
    for line in text.splitlines(keepends=True):
        if skip_deeper_than is not None:
            if not line.strip() or indent_of(line) > skip_deeper_than:
                continue
            skip_deeper_than = None
        m = re.match(r"^(\s*)annotations:\s*$", line)
        if m:
            skip_deeper_than = len(m.group(1))
            continue
        out.append(line)
    return "".join(out)


def check_rules(text):
    errors, alerts, records = [], [], []
    for kind, name, block in rule_blocks(text):
        body = "\n".join(block)
        if kind == "record":
            records.append(name)
            if not RECORD_NAME.match(name):
                errors.append(f"recording rule {name}: not named level:metric:operations")
            continue
        alerts.append(name)
        if not re.search(r"^\s+for: \d+[smh]$", body, re.M):
            errors.append(f"{name}: no `for:`")
        sev = re.search(r"^\s+severity: (\S+)$", body, re.M)
        if not sev or sev.group(1) not in SEVERITIES:
            errors.append(f"{name}: severity must be one of {sorted(SEVERITIES)}")
        for key in ("summary", "description"):
            if not re.search(rf"^\s+{key}: \S", body, re.M):
                errors.append(f"{name}: no {key} annotation")
    for name in REQUIRED_ALERTS:
        if name not in alerts:
            errors.append(f"alert {name} (named in the issue) is missing")
    if len(set(alerts)) != len(alerts):
        errors.append("an alert name is used twice")
    return errors, alerts, records


def alert_cases(path):
    """{alertname: set of 'fires'/'quiet'/'annotations'} from one promtool test file."""
    cases = {}
    lines = path.read_text().splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^\s*(?:- )?alertname: (\S+)\s*$", line)
        if not m:
            continue
        kinds = cases.setdefault(m.group(1), set())
        rest = []
        for nxt in lines[i + 1:]:
            if re.match(r"^\s*(- eval_time|- alertname|alertname|- interval|tests):", nxt):
                break
            rest.append(nxt)
        rest = "\n".join(rest)
        if re.search(r"exp_alerts: \[\]", rest):
            kinds.add("quiet")
        elif "exp_labels" in rest:
            kinds.add("fires")
            if "exp_annotations" in rest:
                kinds.add("annotations")
    return cases


def check_coverage(alerts, records, label_files):
    errors = []
    label_cases = {}
    for f in label_files:
        for name, kinds in alert_cases(f).items():
            label_cases.setdefault(name, set()).update(kinds)
    wording = alert_cases(ANNOTATION_TESTS)
    expr_tests = "\n".join(f.read_text() for f in label_files)
    for name in alerts:
        kinds = label_cases.get(name, set())
        if "fires" not in kinds:
            errors.append(f"{name}: no label test where it fires")
        if "quiet" not in kinds:
            errors.append(f"{name}: no label test where it stays quiet")
        if "annotations" not in wording.get(name, set()):
            errors.append(f"{name}: no annotation test in {ANNOTATION_TESTS.name}")
    for name in records:
        if not re.search(rf"^\s*- expr: .*\b{re.escape(name)}\b", expr_tests, re.M):
            errors.append(f"recording rule {name}: no promql_expr_test")
    return errors


def run(cmd):
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run(cmd).returncode == 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--promtool", default="promtool")
    args = parser.parse_args()
    if shutil.which(args.promtool) is None:
        print(f"FAIL: {args.promtool} not found (Debian package prometheus; make deps)")
        return 1

    text = RULES.read_text()
    errors, alerts, records = check_rules(text)
    label_files = sorted(p for p in HERE.glob("*.yml") if p != ANNOTATION_TESTS)
    errors += check_coverage(alerts, records, label_files)
    stripped = strip_annotations(text)
    if "annotations:" in stripped or stripped.count("- alert: ") != len(alerts):
        errors.append("stripping the annotations lost or kept something")
    for e in errors:
        print(f"FAIL: {e}")

    ok = not errors
    with tempfile.TemporaryDirectory(prefix="llmon-rules.") as tmp:
        tmp = pathlib.Path(tmp)
        (tmp / "llmon.rules.yml").write_text(stripped)
        (tmp / "tests").mkdir()
        for f in label_files:
            shutil.copy(f, tmp / "tests" / f.name)
        ok &= run([args.promtool, "check", "rules", tmp / "llmon.rules.yml"])
        ok &= run([args.promtool, "test", "rules", *sorted((tmp / "tests").glob("*.yml"))])
    ok &= run([args.promtool, "test", "rules", ANNOTATION_TESTS])
    print(f"{len(alerts)} alerts, {len(records)} recording rules: {'ok' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
