"""Prints each function's unzipped deployment size after `sam build` (its code plus its layers),
against Lambda's 250 MB limit and the project's budgets. `make sam-build` runs it.

    .venv/bin/python tools/package_sizes.py [.aws-sam/build]

Ends with one JSON line: {"InteractionsFunction": {"mb": 16.4, ...}, ...}. Exits 1 when a
function is over its budget.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
LAMBDA_LIMIT_MB = 250  # code + layers, unzipped
# The interactions function answers Discord within 3 s, cold start included: its package stays
# small (tests/infrastructure/test_packages.py checks the same budget from the pinned requirements).
BUDGETS_MB = {"InteractionsFunction": 20}


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_multi_constructor("!", lambda loader, suffix, node: {suffix: loader.construct_scalar(node)}
                              if isinstance(node, yaml.ScalarNode) else None)


def tree_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def layers_of(template: dict, function: str) -> list[str]:
    props = template["Resources"][function]["Properties"]
    layers = template.get("Globals", {}).get("Function", {}).get("Layers", []) + props.get("Layers", [])
    return [layer["Ref"] for layer in layers if isinstance(layer, dict) and "Ref" in layer]


def sizes(build_dir: Path) -> dict[str, dict]:
    template = yaml.load((REPO_ROOT / "template.yaml").read_text(), Loader=_Loader)
    result = {}
    for name, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function" or not (build_dir / name).is_dir():
            continue
        code = tree_bytes(build_dir / name)
        layers = {layer: tree_bytes(build_dir / layer) for layer in layers_of(template, name) if (build_dir / layer).is_dir()}
        total = (code + sum(layers.values())) / 1e6
        result[name] = {"mb": round(total, 1), "code_mb": round(code / 1e6, 1),
                        "layers": {k: round(v / 1e6, 1) for k, v in layers.items()},
                        "budget_mb": BUDGETS_MB.get(name, LAMBDA_LIMIT_MB)}
    return result


def main(argv: list[str]) -> int:
    build_dir = Path(argv[1] if len(argv) > 1 else REPO_ROOT / ".aws-sam" / "build")
    if not build_dir.is_dir():
        print(f"{build_dir} does not exist: run `make sam-build` first", file=sys.stderr)
        return 2
    result = sizes(build_dir)
    over = []
    print(f"{'function':<24}{'unzipped MB':>12}{'own code':>10}  layers (MB)          budget")
    for name, s in result.items():
        layers = ", ".join(f"{k} {v}" for k, v in s["layers"].items()) or "-"
        flag = "" if s["mb"] <= s["budget_mb"] else "  OVER BUDGET"
        over += [name] if flag else []
        print(f"{name:<24}{s['mb']:>12}{s['code_mb']:>10}  {layers:<20} {s['budget_mb']}{flag}")
    print(json.dumps(result))
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
