"""template.yaml as CloudFormation sees it: expanded by samtranslator (the library `sam deploy`
and cfn-lint use), offline, with the intrinsic functions IAM policies use resolved to stand-in
ARNs, so a policy's resource can be compared with the resource the code acts on."""
from __future__ import annotations

import copy
import functools
import re
from typing import Any

from .cfn import load_template

REGION, ACCOUNT = "us-east-1", "123456789012"
PARAMETERS = {  # what `sam deploy --guided` asks for (samconfig.toml has the rest)
    "VpcId": "vpc-0123456789abcdef0", "PrivateSubnetIds": ["subnet-0a", "subnet-0b"],
    "QdrantUrl": "https://example.cloud.qdrant.io:6333", "DiscordApplicationId": "100000000000000000",
    "DiscordPublicKey": "0" * 64,
}


@functools.lru_cache(maxsize=4)
def _expanded(parameters: tuple) -> dict:
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    template = load_template()
    for resource in template["Resources"].values():  # `sam package` puts the code in S3 first
        props = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(props.get(key), str):
                props[key] = f"s3://companion-artifacts/{props[key]}"
    translator = Translator(None, Parser(), boto_session=boto3.Session(region_name=REGION))
    return translator.translate(template, parameter_values=dict(parameters), get_managed_policy_map=dict)


def expand_template(**parameters: Any) -> dict:
    """The CloudFormation template `sam deploy` would submit (a fresh copy)."""
    values = {**PARAMETERS, **parameters}
    return copy.deepcopy(_expanded(tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in values.items())))


class Resolver:
    """Evaluates Ref, Fn::GetAtt, Fn::Sub and Fn::Join to strings, giving each resource stand-in
    identifiers shaped like the real ones (so `arn:...:sqs:region:account:${queueName}` from a SAM
    policy template and `!GetAtt TurnQueue.Arn` agree)."""

    def __init__(self, template: dict):
        self.resources = template["Resources"]

    def kind(self, logical_id: str) -> str:
        return self.resources[logical_id]["Type"]

    def ref(self, name: str) -> str:
        pseudo = {"AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT,
                  "AWS::URLSuffix": "amazonaws.com", "AWS::StackName": "companion-test",
                  "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/companion-test/1"}
        if name in pseudo:
            return pseudo[name]
        kind = self.kind(name)
        if kind == "AWS::SQS::Queue":
            return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{self.attribute(name, 'QueueName')}"
        if kind == "AWS::KMS::Key":
            return f"key-{name}"
        if kind == "AWS::SecretsManager::Secret":
            return f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}"
        return name

    def attribute(self, name: str, attribute: str) -> str:
        kind = self.kind(name)
        if kind == "AWS::SQS::Queue":
            fifo = ".fifo" if self.resources[name].get("Properties", {}).get("FifoQueue") else ""
            return {"QueueName": f"{name}{fifo}", "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}{fifo}"}[attribute]
        if kind == "AWS::KMS::Key" and attribute == "Arn":
            return f"arn:aws:kms:{REGION}:{ACCOUNT}:key/key-{name}"
        if kind == "AWS::RDS::DBCluster":
            return {"DBClusterResourceId": f"cluster-{name}",
                    "MasterUserSecret.SecretArn": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}-master",
                    "Endpoint.Address": f"{name}.cluster.{REGION}.rds.amazonaws.com",
                    "Endpoint.Port": "5432"}[attribute]
        if attribute == "Arn":
            service = kind.split("::")[1].lower()
            return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{name}"
        raise KeyError(f"{name}.{attribute}")

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            return value
        if isinstance(value, list):
            return [self(v) for v in value]
        if not isinstance(value, dict) or len(value) != 1:
            raise ValueError(f"cannot resolve {value!r}")
        [(function, argument)] = value.items()
        if function == "Ref":
            return self.ref(argument)
        if function == "Fn::GetAtt":
            name, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
            return self.attribute(name, attribute)
        if function == "Fn::Join":
            separator, parts = argument
            return separator.join(self(p) for p in parts)
        if function == "Fn::Sub":
            text, variables = (argument, {}) if isinstance(argument, str) else argument
            variables = {k: self(v) for k, v in variables.items()}

            def substitute(match: re.Match) -> str:
                name = match.group(1)
                if name in variables:
                    return variables[name]
                if "." in name and not name.startswith("AWS::"):
                    return self.attribute(*name.split(".", 1))
                return self.ref(name)

            return re.sub(r"\$\{([^}!]+)\}", substitute, text)
        raise ValueError(f"cannot resolve {function} in an IAM policy")

    def key_arn(self, key: Any) -> str:
        """A KmsKeyId / KmsMasterKeyId value (a key id or ARN) as the key's ARN."""
        resolved = self(key)
        return resolved if resolved.startswith("arn:") else f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{resolved}"
