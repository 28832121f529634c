#!/usr/bin/env python3
"""Runs every dashboard query against a real Prometheus, as Grafana would (tests/e2e/
test_dashboards.sh): resolves the variables through their label_values queries (every value
selected, formatted as Grafana formats a multi-value variable), substitutes $__rate_interval,
and requires each target to return at least one finite sample. Polls until all do or the
deadline passes; panels listed in conditional_panels.txt are run but may be empty.

  run_queries.py --prometheus URL [--timeout SECONDS] DASHBOARD.json...
Exit 0 when every non-conditional target returned data, 1 otherwise.
"""

import argparse
import json
import math
import pathlib
import re
import sys
import time
import urllib.parse
import urllib.request

sys.dont_write_bytecode = True
HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import check_dashboards  # noqa: E402

RATE_INTERVAL = "1m"
CONDITIONAL = HERE / "conditional_panels.txt"


def load_conditional():
    """{(dashboard uid, panel title): reason} from conditional_panels.txt."""
    out = {}
    for line in CONDITIONAL.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        uid, title, reason = (part.strip() for part in line.split("|", 2))
        out[(uid, title)] = reason
    return out


def grafana_regex_escape(value):
    # What Grafana's Prometheus datasource does to each value of a multi-value variable.
    value = value.replace("\\", "\\\\\\\\")
    return re.sub(r"[$^*{}\[\]'+?.()|]", lambda m: "\\\\" + m.group(), value)


def format_values(values):
    escaped = [grafana_regex_escape(v) for v in values]
    return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"


def substitute(expr, values):
    def repl(m):
        name = m.group(1) or m.group(2)
        if name == "__rate_interval":
            return RATE_INTERVAL
        return values[name]
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", repl, expr)


class Prometheus:
    def __init__(self, url):
        self.url = url.rstrip("/")

    def get(self, path, params):
        query = urllib.parse.urlencode(params, doseq=True)
        with urllib.request.urlopen(f"{self.url}{path}?{query}", timeout=10) as r:
            answer = json.load(r)
        if answer.get("status") != "success":
            raise RuntimeError(f"{path}: {answer}")
        return answer["data"]

    def label_values(self, label, selector):
        now = time.time()
        return self.get(f"/api/v1/label/{label}/values",
                        {"match[]": selector, "start": now - 300, "end": now})

    def has_data(self, expr, instant):
        """(True if a finite sample came back, a short description of the answer)."""
        now = time.time()
        try:
            if instant:
                data = self.get("/api/v1/query", {"query": expr, "time": now})
                samples = [float(r["value"][1]) for r in data["result"]]
            else:
                data = self.get("/api/v1/query_range", {"query": expr, "start": now - 120,
                                                        "end": now, "step": 2})
                samples = [float(v[1]) for r in data["result"] for v in r["values"]]
        except (OSError, RuntimeError, ValueError) as e:
            return False, f"error: {e}"
        finite = [s for s in samples if not math.isnan(s)]
        if not samples:
            return False, "empty result"
        if not finite:
            return False, f"{len(samples)} sample(s), all NaN"
        return True, f"{len(data['result'])} series"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prometheus", required=True)
    parser.add_argument("--timeout", type=float, default=50)
    parser.add_argument("dashboards", nargs="+")
    args = parser.parse_args()
    prom = Prometheus(args.prometheus)
    conditional = load_conditional()
    start = time.time()
    deadline = start + args.timeout

    dashboards = [json.loads(pathlib.Path(p).read_text()) for p in args.dashboards]
    targets, titles = [], set()
    for d in dashboards:
        for panel, t in check_dashboards.panel_queries(d):
            titles.add((d["uid"], panel["title"]))
            targets.append((d, panel, t))
    failures = [f"conditional_panels.txt names {uid} | {title}, which no dashboard has"
                for uid, title in conditional if (uid, title) not in titles]

    pending = {i for i, (d, p, _) in enumerate(targets) if (d["uid"], p["title"]) not in conditional}
    last, values_of = {}, {}
    while True:
        values_of, var_problems = {}, []
        for d in dashboards:
            values = {}
            for v in d["templating"]["list"]:
                if v["type"] != "query":
                    continue
                selector, label = check_dashboards.label_values_query(v)
                found = prom.label_values(label, substitute(selector, values)) if all(
                    name in values for name in check_dashboards.promql.variables(selector)) \
                    else []
                if not found:
                    var_problems.append(f"{d['uid']}: variable {v['name']} has no values")
                    break
                values[v["name"]] = format_values(found)
            values_of[d["uid"]] = values
        if not var_problems:
            for i in sorted(pending):
                d, p, t = targets[i]
                ok, what = prom.has_data(substitute(t["expr"], values_of[d["uid"]]),
                                         bool(t.get("instant")))
                last[i] = what
                if ok:
                    pending.discard(i)
        if (not pending and not var_problems) or time.time() > deadline:
            break
        time.sleep(1)

    failures += var_problems
    for i in sorted(pending):
        d, p, t = targets[i]
        expr = substitute(t["expr"], values_of.get(d["uid"], {})) if not var_problems else t["expr"]
        failures.append(f"{d['uid']} | {p['title']} | {t['refId']}: {last.get(i, 'not run')}: "
                        f"{expr}")
    notes = []
    for (uid, title), reason in sorted(conditional.items()):
        d = next((d for d in dashboards if d["uid"] == uid), None)
        if d is None or var_problems:
            continue
        got = [prom.has_data(substitute(t["expr"], values_of[uid]), bool(t.get("instant")))[0]
               for _, p, t in [x for x in targets if x[0] is d] if p["title"] == title]
        state = "has data" if got and all(got) else "empty"
        notes.append(f"conditional: {uid} | {title}: {state} ({reason})")
    for n in notes:
        print(n)
    for f in failures:
        print(f"FAIL: {f}")
    checked = len(targets) - sum(1 for d, p, _ in targets if (d["uid"], p["title"]) in conditional)
    print(f"{checked - len(pending)} of {checked} targets returned data in "
          f"{time.time() - start:.1f} s; {len(conditional)} conditional panel(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
