"""docs/OPERATIONS.md keeps up with the template: a runbook for every alarm, the architecture
picture the README shows, the sections an operator needs."""
import re
import xml.dom.minidom

from .cfn import REPO_ROOT, load_template

HANDBOOK = REPO_ROOT / "docs/OPERATIONS.md"


def test_every_alarm_has_a_runbook():
    alarms = [n for n, r in load_template()["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm"]
    assert alarms
    text = HANDBOOK.read_text()
    for alarm in alarms:
        section = re.search(rf"^### {alarm}\n(.*?)(?=^##)", text, re.M | re.S)
        assert section, f"docs/OPERATIONS.md has no runbook for {alarm}"
        for part in ("**Means:**", "**Look at:**", "**Do:**"):
            assert part in section.group(1), (alarm, part)


def test_the_readme_shows_the_architecture_picture():
    readme = (REPO_ROOT / "README.md").read_text()
    assert "![companion on AWS](docs/architecture.svg)" in readme and "docs/OPERATIONS.md" in readme
    svg = xml.dom.minidom.parse(str(REPO_ROOT / "docs/architecture.svg"))
    text = " ".join(node.firstChild.data for node in svg.getElementsByTagName("text") if node.firstChild)
    for part in ("InteractionsFunction", "TurnQueue", "TurnWorkerFunction", "Aurora", "Qdrant", "MigrateFunction"):
        assert part in text, part


def test_the_handbook_covers_what_operators_need():
    text = HANDBOOK.read_text()
    for heading in ("## Backups", "### Rebuild the vector index from PostgreSQL", "## Restore drill",
                    "## Key rotation", "## Runbooks", "## Cost per 1,000 active users", "## Database connections",
                    "## Logs and traces"):
        assert heading in text, heading
    assert "Assumptions" in text and "20 messages a day" in text
