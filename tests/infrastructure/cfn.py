"""template.yaml as data: a YAML loader that understands CloudFormation's short tags."""
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = REPO_ROOT / "template.yaml"


class CfnLoader(yaml.SafeLoader):
    pass


def _tag(loader, tag_suffix, node):
    """!Ref x -> {"Ref": x}; !GetAtt a.b -> {"Fn::GetAtt": [a, b]}; !Sub ... -> {"Fn::Sub": ...}."""
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if tag_suffix == "Ref":
        return {"Ref": value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{tag_suffix}": value}


CfnLoader.add_multi_constructor("!", _tag)


def load_template() -> dict:
    return yaml.load(TEMPLATE.read_text(), Loader=CfnLoader)
