#!/usr/bin/env python3
"""Negative tests of the dashboard checker: a small valid dashboard passes, and each broken
variant of it is rejected for the rule it breaks (ctest "dashboards: checker rejects broken
dashboards"). Run: python3 -m unittest test_check_dashboards (from this directory)."""

import copy
import json
import pathlib
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import check_dashboards  # noqa: E402

DS = {"type": "prometheus", "uid": "${datasource}"}


def var(name, query):
    return {"type": "query", "name": name, "datasource": DS, "multi": True, "includeAll": True,
            "query": {"query": query, "refId": name}, "refresh": 2}


def base():
    sel = 'job=~"$job", instance=~"$instance", ollama=~"$ollama"'
    return {
        "uid": "llmon-test", "title": "test", "schemaVersion": check_dashboards.SCHEMA_VERSION,
        "graphTooltip": 1, "time": {"from": "now-1h", "to": "now"},
        "links": [{"type": "dashboards", "tags": ["llmon"]}],
        "templating": {"list": [
            {"type": "datasource", "name": "datasource", "query": "prometheus"},
            var("job", "label_values(llmon_build_info, job)"),
            var("instance", 'label_values(llmon_build_info{job=~"$job"}, instance)'),
            var("ollama", 'label_values(llmon_ollama_up{job=~"$job", instance=~"$instance"}, '
                'ollama)'),
        ]},
        "panels": [
            {"type": "row", "id": 1, "title": "Summary", "collapsed": False, "panels": [],
             "gridPos": {"h": 1, "w": 24, "x": 0, "y": 0}},
            {"type": "timeseries", "id": 2, "title": "Busy", "description": "GPU busy.",
             "datasource": DS, "gridPos": {"h": 8, "w": 12, "x": 0, "y": 1},
             "fieldConfig": {"defaults": {"unit": "percentunit", "noValue": "No data",
                                          "thresholds": {"steps": [{"color": "green",
                                                                    "value": None},
                                                                   {"color": "red",
                                                                    "value": 0.95}]}},
                             "overrides": []},
             "targets": [{"refId": "A", "datasource": DS, "expr":
                          'rate(llmon_gpu_busy_seconds_total{job=~"$job", '
                          'instance=~"$instance"}[$__rate_interval])'}]},
            {"type": "row", "id": 3, "title": "Details", "collapsed": True,
             "gridPos": {"h": 1, "w": 24, "x": 0, "y": 9},
             "panels": [
                 {"type": "stat", "id": 4, "title": "Up", "description": "Ollama up.",
                  "datasource": DS, "gridPos": {"h": 4, "w": 6, "x": 0, "y": 10},
                  "fieldConfig": {"defaults": {"unit": "none", "noValue": "No instance"},
                                  "overrides": []},
                  "targets": [{"refId": "A", "datasource": DS,
                               "expr": f"sum by (ollama) (llmon_ollama_up{{{sel}}})"}]}]},
        ],
    }


def busy(d):
    return d["panels"][1]


def nested(d):
    return d["panels"][2]["panels"][0]


def set_expr(panel, expr):
    panel["targets"][0]["expr"] = expr


SEL = 'job=~"$job", instance=~"$instance"'

# rule -> function breaking exactly that rule in a copy of base()
BREAKAGES = {
    "schema": [lambda d: d.pop("templating") and None,
               lambda d: d.update(schemaVersion=36)],
    "inputs": [lambda d: d.update(__inputs=[{"name": "DS_PROMETHEUS"}])],
    "uid": [lambda d: d.update(uid="x8Fh2kq"),
            lambda d: nested(d).update(id=2)],
    "crosshair": [lambda d: d.update(graphTooltip=0)],
    "links": [lambda d: d.update(links=[])],
    "datasource": [
        lambda d: busy(d).update(datasource={"type": "prometheus", "uid": "PBFA97CFB590B2093"}),
        lambda d: busy(d)["targets"][0].update(datasource={"uid": "${DS_PROMETHEUS}"}),
        lambda d: d["templating"]["list"].append(
            {"type": "datasource", "name": "ds2", "query": "prometheus"}),
        lambda d: d["templating"]["list"][1].update(datasource={"uid": "prom"})],
    "variables": [
        lambda d: d["templating"]["list"][2].update(multi=False),
        lambda d: d["templating"]["list"][3]["query"].update(
            query='label_values(llmon_ollama_up{instance=~"$instance"}, ollama)'),
        lambda d: d["templating"]["list"][3]["query"].update(query="main,second"),
        lambda d: d["templating"]["list"].pop(2) and None],
    "unused-variable": [lambda d: set_expr(nested(d), f"sum(llmon_ollama_up{{{SEL}}})")],
    "undefined-variable": [lambda d: set_expr(
        nested(d), f'sum(llmon_ollama_up{{{SEL}, ollama=~"$ollama", gpu=~"$gpu"}})')],
    "panel": [lambda d: busy(d).pop("description") and None,
              lambda d: busy(d).update(targets=[]),
              lambda d: busy(d)["targets"].append(copy.deepcopy(busy(d)["targets"][0])),
              lambda d: nested(d).pop("gridPos") and None,
              lambda d: nested(d).update(title="Busy")],
    "units": [lambda d: busy(d)["fieldConfig"]["defaults"].pop("unit") and None,
              lambda d: nested(d)["fieldConfig"]["defaults"].update(unit="")],
    "novalue": [lambda d: nested(d)["fieldConfig"]["defaults"].pop("noValue") and None],
    "thresholds": [
        lambda d: busy(d)["fieldConfig"]["defaults"].update(unit="bytes"),
        lambda d: busy(d)["fieldConfig"]["defaults"]["thresholds"]["steps"][1].update(value=80),
        lambda d: busy(d)["fieldConfig"]["defaults"]["thresholds"]["steps"][1].update(value=95),
        lambda d: busy(d)["fieldConfig"]["overrides"].append(
            {"matcher": {"id": "byName", "options": "x"},
             "properties": [{"id": "unit", "value": "hertz"},
                            {"id": "thresholds", "value": {"steps": [{"value": None},
                                                                     {"value": 2e9}]}}]})],
    "rate-interval": [
        lambda d: set_expr(busy(d), f"rate(llmon_gpu_busy_seconds_total{{{SEL}}}[5m])"),
        lambda d: set_expr(busy(d), f"increase(llmon_gpu_busy_seconds_total{{{SEL}}}"
                                    "[$__interval])")],
    "counter-raw": [
        lambda d: set_expr(busy(d), f"llmon_gpu_busy_seconds_total{{{SEL}}}"),
        lambda d: set_expr(busy(d), f"delta(llmon_gpu_busy_seconds_total{{{SEL}}}"
                                    "[$__rate_interval])"),
        lambda d: set_expr(busy(d), f"sum by (le) (llmon_bench_ttft_seconds_bucket{{{SEL}}})")],
    "job-instance": [
        lambda d: set_expr(busy(d), 'rate(llmon_gpu_busy_seconds_total{job=~"$job"}'
                                    "[$__rate_interval])"),
        lambda d: set_expr(busy(d), f"rate(llmon_gpu_busy_seconds_total{{{SEL}}}"
                                    "[$__rate_interval]) / llmon_gpu_devices"),
        lambda d: set_expr(busy(d), 'rate(llmon_gpu_busy_seconds_total{job="llmon", '
                                    'instance=~"$instance"}[$__rate_interval])')],
    "promql": [lambda d: set_expr(busy(d), f"rate(llmon_gpu_busy_seconds_total{{{SEL}}}"
                                           "[$__rate_interval]")],
}


def rules_of(errors):
    return {e.split("[", 1)[1].split("]", 1)[0] for e in errors}


class CheckerTest(unittest.TestCase):
    def lint(self, d):
        linter = check_dashboards.Linter()
        linter.lint("test.json", d)
        return linter.finish()

    def test_base_dashboard_passes(self):
        self.assertEqual(self.lint(base()), [])

    def test_every_rule_has_a_breakage(self):
        documented = set()
        for line in check_dashboards.__doc__.splitlines():
            parts = line.split()
            if len(parts) > 1 and line.startswith("  ") and not line.startswith("   ") \
                    and not parts[0].endswith(".py"):
                documented.add(parts[0])
        self.assertEqual(documented, set(BREAKAGES) | {"json"})

    def test_each_breakage_is_rejected_for_its_rule(self):
        for rule, breakers in BREAKAGES.items():
            for i, breaker in enumerate(breakers):
                with self.subTest(rule=rule, case=i):
                    d = base()
                    breaker(d)
                    errors = self.lint(d)
                    self.assertIn(rule, rules_of(errors), errors)

    def test_invalid_json_and_cross_file_rules(self):
        with tempfile.TemporaryDirectory() as tmp:
            bad = pathlib.Path(tmp, "bad.json")
            bad.write_text('{"uid": "llmon-x", ')
            one = pathlib.Path(tmp, "one.json")
            one.write_text(json.dumps(base()))
            two = pathlib.Path(tmp, "two.json")
            two.write_text(json.dumps(base()))
            errors = check_dashboards.lint_paths([bad, one, two])
        self.assertIn("bad.json: [json]", " ".join(errors))
        self.assertIn("two.json: [uid] dashboard uid llmon-test also used by one.json",
                      errors)
        self.assertFalse([e for e in errors if e.startswith("one.json")])


if __name__ == "__main__":
    unittest.main()
