#!/usr/bin/env python3
"""Checks llmon's Grafana dashboards (grafana/dashboards/*.json) without Grafana.

  check_dashboards.py lint FILE...      the lint rules below; exit 1 with one line per problem
  check_dashboards.py queries FILE...   every panel query as JSON lines (for the e2e test)

Lint rules (each has a negative test in test_check_dashboards.py):
  json                valid JSON, a dashboard object
  schema              uid, title, panels, templating, time; one schemaVersion for every file
  inputs              no __inputs/__requires ("export for sharing" breaks file provisioning)
  uid                 stable llmon-* uids, unique across files; panel ids unique in a dashboard
  crosshair           graphTooltip 1 (shared crosshair)
  links               a link to the other llmon dashboards (tag llmon)
  datasource          exactly one datasource variable, named datasource; every panel, target
                      and query variable uses ${datasource}
  variables           job -> instance -> others chained with label_values, multi-select with All
  unused-variable     every variable is used by some target
  undefined-variable  every $name in a query is a variable or $__rate_interval
  panel               a unique title, a description, targets with refIds and expressions,
                      gridPos
  units               an explicit unit on every panel
  novalue             a "no data" text on every panel
  thresholds          no red-at-80 default; steps only on units where a level means something;
                      ratios within 0..1
  rate-interval       rate/irate/increase over [$__rate_interval]
  counter-raw         *_total and *_bucket only inside rate/irate/increase
  job-instance        every selector has job=~"$job" and instance=~"$instance"
  promql              every query can be read
"""

import json
import pathlib
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import promql  # noqa: E402

SCHEMA_VERSION = 39
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
BUILTIN_VARIABLES = {"__rate_interval"}
# Units where a threshold step can mean something: ratios (full, behind baseline), temperatures,
# and unitless counts of problems (drifting checks, models on the CPU).
THRESHOLD_UNITS = {"percentunit", "celsius", "none"}
CHAIN_ROOT = ["job", "instance"]


def walk_panels(panels):
    for p in panels:
        yield p
        yield from walk_panels(p.get("panels", []))


def panel_queries(dashboard):
    """(panel, target) for every target of every panel, rows' nested panels included."""
    for p in walk_panels(dashboard.get("panels", [])):
        if p.get("type") == "row":
            continue
        for t in p.get("targets", []):
            yield p, t


def label_values_query(var):
    q = var.get("query")
    if isinstance(q, dict):
        q = q.get("query", "")
    m = re.fullmatch(r"\s*label_values\((.*),\s*(\w+)\s*\)\s*", q or "")
    return (m.group(1), m.group(2)) if m else (None, None)


class Linter:
    def __init__(self):
        self.errors = []
        self.uids = {}
        self.schema_versions = {}

    def error(self, name, rule, message):
        self.errors.append(f"{name}: [{rule}] {message}")

    def lint_file(self, path):
        name = pathlib.Path(path).name
        try:
            d = json.loads(pathlib.Path(path).read_text())
        except (OSError, ValueError) as e:
            self.error(name, "json", f"not valid JSON: {e}")
            return
        if not isinstance(d, dict):
            self.error(name, "json", "not a dashboard object")
            return
        self.lint(name, d)

    def lint(self, name, d):
        e = lambda rule, msg: self.error(name, rule, msg)  # noqa: E731
        for key in ("uid", "title", "panels", "templating", "time", "schemaVersion"):
            if key not in d:
                e("schema", f"no {key}")
        if d.get("schemaVersion") != SCHEMA_VERSION:
            e("schema", f"schemaVersion {d.get('schemaVersion')}, expected {SCHEMA_VERSION}")
        for key in ("__inputs", "__requires"):
            if key in d:
                e("inputs", f"{key} present: file provisioning cannot resolve it")
        uid = d.get("uid", "")
        if not re.fullmatch(r"llmon-[a-z0-9-]+", str(uid)):
            e("uid", f"dashboard uid {uid!r} is not a stable llmon-* uid")
        elif uid in self.uids:
            e("uid", f"dashboard uid {uid} also used by {self.uids[uid]}")
        else:
            self.uids[uid] = name
        if d.get("graphTooltip") != 1:
            e("crosshair", "graphTooltip must be 1 (shared crosshair)")
        if not any(link.get("type") == "dashboards" and "llmon" in link.get("tags", [])
                   for link in d.get("links", [])):
            e("links", "no link to the other llmon dashboards (type dashboards, tag llmon)")

        variables = d.get("templating", {}).get("list", [])
        names = [v.get("name") for v in variables]
        self.lint_variables(e, variables)

        ids, titles, used = set(), set(), set()
        for p in walk_panels(d.get("panels", [])):
            pid = p.get("id")
            if pid in ids or not isinstance(pid, int):
                e("uid", f"panel id {pid!r} missing or used twice")
            ids.add(pid)
            if p.get("type") == "row":
                continue
            if p.get("title") in titles:
                e("panel", f"panel title {p.get('title')!r} used twice")
            titles.add(p.get("title"))
            used |= self.lint_panel(e, p, set(names))
        for v in variables:
            if v.get("type") == "query":
                q = label_values_query(v)[0] or ""
                used |= promql.variables(q)
        for v in names:
            if v != "datasource" and v not in used:
                e("unused-variable", f"variable {v} is not used by any target")

    def lint_variables(self, e, variables):
        ds = [v for v in variables if v.get("type") == "datasource"]
        if len(ds) != 1 or ds[0].get("name") != "datasource" or ds[0].get("query") != "prometheus":
            e("datasource", "needs exactly one datasource variable, named datasource, of "
              "Prometheus datasources")
        by_name = {v.get("name"): v for v in variables}
        for root in CHAIN_ROOT:
            if root not in by_name:
                e("variables", f"no {root} variable")
        for v in variables:
            n = v.get("name")
            if v.get("type") == "datasource":
                continue
            if v.get("type") != "query":
                e("variables", f"variable {n}: type {v.get('type')}, expected query")
                continue
            if v.get("datasource") != DATASOURCE:
                e("datasource", f"variable {n} does not use ${{datasource}}")
            if not (v.get("multi") and v.get("includeAll")):
                e("variables", f"variable {n} must be multi-select with All")
            selector, label = label_values_query(v)
            if selector is None or label != n:
                e("variables", f"variable {n}: query must be label_values(..., {n})")
                continue
            needs = CHAIN_ROOT[:CHAIN_ROOT.index(n)] if n in CHAIN_ROOT else CHAIN_ROOT
            try:
                sels = promql.selectors(selector)
            except promql.PromQLError as err:
                e("promql", f"variable {n}: {err}")
                continue
            for parent in needs:
                if not all(s.matchers.get(parent) == ("=~", f"${parent}") for s in sels):
                    e("variables", f"variable {n} is not chained to ${parent}")

    def lint_panel(self, e, p, names):
        title = p.get("title") or f"panel {p.get('id')}"
        where = f"panel {title!r}"
        used = set()
        if not p.get("title") or not p.get("description"):
            e("panel", f"{where}: needs a title and a description")
        if not all(k in p.get("gridPos", {}) for k in ("h", "w", "x", "y")):
            e("panel", f"{where}: no gridPos")
        if p.get("datasource") != DATASOURCE:
            e("datasource", f"{where}: datasource is not ${{datasource}}")
        defaults = p.get("fieldConfig", {}).get("defaults", {})
        unit = defaults.get("unit")
        if not unit:
            e("units", f"{where}: no unit")
        if not defaults.get("noValue"):
            e("novalue", f"{where}: no noValue text")
        self.lint_thresholds(e, where, unit, defaults.get("thresholds"))
        for o in p.get("fieldConfig", {}).get("overrides", []):
            props = {x.get("id"): x.get("value") for x in o.get("properties", [])}
            if "thresholds" in props:
                self.lint_thresholds(e, where, props.get("unit", unit), props["thresholds"])
        targets = p.get("targets") or []
        if not targets:
            e("panel", f"{where}: no targets")
        refs = [t.get("refId") for t in targets]
        if len(set(refs)) != len(refs) or not all(refs):
            e("panel", f"{where}: refIds missing or repeated")
        for t in targets:
            used |= self.lint_target(e, f"{where} {t.get('refId')}", t, names)
        return used

    def lint_thresholds(self, e, where, unit, thresholds):
        steps = (thresholds or {}).get("steps", [])
        values = [s.get("value") for s in steps if s.get("value") is not None]
        if values == [80]:
            e("thresholds", f"{where}: Grafana's default red-at-80 threshold")
        elif values and unit not in THRESHOLD_UNITS:
            e("thresholds", f"{where}: threshold steps on unit {unit} mean nothing")
        elif unit == "percentunit" and any(v < 0 or v > 1 for v in values):
            e("thresholds", f"{where}: ratio thresholds outside 0..1: {values}")

    def lint_target(self, e, where, t, names):
        expr = t.get("expr", "")
        if not expr.strip():
            e("panel", f"{where}: empty expression")
            return set()
        if t.get("datasource") != DATASOURCE:
            e("datasource", f"{where}: target datasource is not ${{datasource}}")
        used = promql.variables(expr)
        for v in used - names - BUILTIN_VARIABLES:
            e("undefined-variable", f"{where}: ${v} is not a dashboard variable")
        try:
            sels = promql.selectors(expr)
        except promql.PromQLError as err:
            e("promql", f"{where}: {err}")
            return used
        for s in sels:
            label = s.name or s.matchers.get("__name__", ("", "?"))[1]
            if s.direct in promql.COUNTER_FUNCTIONS and s.range != "$__rate_interval":
                e("rate-interval", f"{where}: {s.direct}({label}[{s.range}]) must use "
                  "[$__rate_interval]")
            if re.search(r"_(total|bucket)$", label) and s.direct not in promql.COUNTER_FUNCTIONS:
                e("counter-raw", f"{where}: counter {label} outside rate/irate/increase")
            for lbl in CHAIN_ROOT:
                if s.matchers.get(lbl) != ("=~", f"${lbl}"):
                    e("job-instance", f"{where}: {label} has no {lbl}=~\"${lbl}\" matcher")
        return used

    def finish(self):
        return self.errors


def lint_paths(paths):
    linter = Linter()
    for p in paths:
        linter.lint_file(p)
    return linter.finish()


def main(argv):
    if len(argv) < 3 or argv[1] not in ("lint", "queries"):
        print(__doc__, file=sys.stderr)
        return 2
    paths = argv[2:]
    if argv[1] == "lint":
        errors = lint_paths(paths)
        for err in errors:
            print(err)
        print(f"{len(paths)} dashboard(s): {'ok' if not errors else f'{len(errors)} problem(s)'}")
        return 1 if errors else 0
    for path in paths:
        d = json.loads(pathlib.Path(path).read_text())
        variables = [{"name": v["name"], "query": label_values_query(v)[0],
                      "label": label_values_query(v)[1]}
                     for v in d["templating"]["list"] if v.get("type") == "query"]
        print(json.dumps({"dashboard": d["uid"], "variables": variables}))
        for p, t in panel_queries(d):
            print(json.dumps({"dashboard": d["uid"], "panel": p["title"], "id": p["id"],
                              "refId": t["refId"], "expr": t["expr"],
                              "instant": bool(t.get("instant"))}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
