"""A small PromQL scanner for the dashboard checker: finds every vector selector of an expression
with its label matchers, its range and the function calls around it. Not a full parser: it only
needs to be right for the expressions a dashboard holds, and a real Prometheus runs every one of
them in tests/e2e/test_dashboards.sh, which catches what this reads wrong.
"""

import dataclasses
import re

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<range>\[[^\]]*\])
  | (?P<var>\$\{\w+\}|\$\w+)
  | (?P<num>(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?:[a-zA-Z]+\d*)*)
  | (?P<ident>[a-zA-Z_:][a-zA-Z0-9_:]*)
  | (?P<op>==|!=|=~|!~|<=|>=|[-+*/%^<>=,(){}@])
""",
    re.X,
)

# Words that are not metric names where an identifier could stand.
KEYWORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring",
            "group_left", "group_right", "inf", "nan", "start", "end"}
LABEL_LISTS = {"by", "without", "on", "ignoring", "group_left", "group_right"}
COUNTER_FUNCTIONS = {"rate", "irate", "increase"}


class PromQLError(ValueError):
    pass


@dataclasses.dataclass
class Selector:
    name: str            # "" for {__name__=...}-only selectors
    matchers: dict       # label -> (op, value); value with the quotes removed
    range: str | None    # the text between [ and ], or None
    calls: list          # enclosing function and aggregation names, innermost last
    direct: str | None   # the function it is a direct argument of, if any


def tokenize(expr):
    tokens, pos = [], 0
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if not m:
            raise PromQLError(f"cannot read {expr[pos:pos + 20]!r}")
        pos = m.end()
        if m.lastgroup != "ws":
            tokens.append((m.lastgroup, m.group()))
    return tokens


def _unquote(s):
    return s[1:-1]


def selectors(expr):
    """Every vector selector in expr, in order."""
    toks = tokenize(expr)
    out, stack, i = [], [], 0
    pending_aggregation = None  # `sum by (x) (...)`: the call starts at the paren after by (x)

    def matchers_at(j):
        """Reads {a="x", b=~"y"} starting at toks[j] == '{'; returns (dict, next index)."""
        result = {}
        j += 1
        while j < len(toks) and toks[j][1] != "}":
            if toks[j][1] == ",":
                j += 1
                continue
            if j + 2 >= len(toks) or toks[j][0] != "ident" or toks[j + 2][0] != "str":
                raise PromQLError(f"bad label matcher near {toks[j][1]!r}")
            result[toks[j][1]] = (toks[j + 1][1], _unquote(toks[j + 2][1]))
            j += 3
        if j >= len(toks):
            raise PromQLError("unclosed {")
        return result, j + 1

    while i < len(toks):
        kind, text = toks[i]
        nxt = toks[i + 1][1] if i + 1 < len(toks) else None
        if kind == "ident" and nxt == "(":
            stack.append(("labels" if text in LABEL_LISTS else "call", text))
            i += 2
        elif kind == "ident" and nxt in ("by", "without") and text not in KEYWORDS:
            pending_aggregation = text
            i += 1
        elif kind == "ident" and (text in KEYWORDS or (stack and stack[-1][0] == "labels")):
            i += 1
        elif kind == "ident" or (kind == "op" and text == "{"):
            name = text if kind == "ident" else ""
            j = i + 1 if kind == "ident" else i
            matchers = {}
            if j < len(toks) and toks[j][1] == "{":
                matchers, j = matchers_at(j)
            rng = None
            if j < len(toks) and toks[j][0] == "range":
                rng = toks[j][1][1:-1]
                j += 1
            calls = [n for k, n in stack if k == "call"]
            direct = stack[-1][1] if stack and stack[-1][0] == "call" else None
            out.append(Selector(name, matchers, rng, calls, direct))
            i = j
        elif text == "(":
            if pending_aggregation and not (stack and stack[-1][0] == "labels"):
                stack.append(("call", pending_aggregation))
                pending_aggregation = None
            else:
                stack.append(("group", None))
            i += 1
        elif text == ")":
            if not stack:
                raise PromQLError("unbalanced )")
            stack.pop()
            i += 1
        else:
            i += 1
    if stack:
        raise PromQLError("unbalanced (")
    return out


def variables(expr):
    """Names of the $variables used in expr (also inside strings and ranges)."""
    return {m.group(1) or m.group(2) for m in re.finditer(r"\$\{(\w+)\}|\$(\w+)", expr)}
