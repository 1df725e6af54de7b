"""Reading what a handler reported to CloudWatch: the EMF lines Powertools prints on stdout."""
import json


def emitted(capsys) -> dict[str, float]:
    """The metrics of every EMF line printed since the last read, summed by name."""
    totals: dict[str, float] = {}
    for line in capsys.readouterr().out.splitlines():
        if '"_aws"' not in line:
            continue
        blob = json.loads(line)
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            assert directive["Namespace"] == "Companion"
            for metric in directive["Metrics"]:
                value = blob[metric["Name"]]
                totals[metric["Name"]] = totals.get(metric["Name"], 0) + (sum(value) if isinstance(value, list) else value)
    return totals
