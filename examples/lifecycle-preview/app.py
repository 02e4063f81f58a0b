"""Example: a lifecycle-preview walkthrough, in Python.

The same app as app.ts beside this file, written against the Python binding (the wheel built by
jsii-pacmak) and aws-cdk-lib from PyPI. CI synthesizes both and requires identical templates
(scripts/bindings-python.sh).

A team moves a hand-written lifecycle policy (policy.json) onto a PrivateRepository, and before it
deploys, it previews what the policy would expire or archive in the live repository's image list
(images.json, the output of `aws ecr describe-images`), with the same semantics ECR applies.

1. `cdk-ecr-registry lifecycle preview --policy policy.json --images images.json --now 2025-06-01T00:00:00Z`
   (the command the wheel installs) prints the table.
2. `python app.py` synthesizes the stack below: the policy text in the template is exactly the previewed
   one, and the app prints the same preview on stderr.

Run: python examples/lifecycle-preview/app.py   (in a virtualenv with cdk-ecr-registry and aws-cdk-lib)
"""
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import List, Optional

import aws_cdk as cdk

import cdk_ecr_registry as registry_lib

HERE = Path(__file__).resolve().parent


def parse_time(text: str) -> datetime:
    """An ISO time from describe-images ("...Z"): timezone-aware, so jsii passes the same instant."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# The date the walkthrough previews at (fixed, so the output is reproducible).
PREVIEW_AT = parse_time("2025-06-01T00:00:00Z")


def load_policy() -> registry_lib.LifecyclePolicy:
    """The team's existing, hand-written policy."""
    return registry_lib.LifecyclePolicy.from_json((HERE / "policy.json").read_text(encoding="utf-8"))


def load_images() -> List[registry_lib.ImageDescription]:
    """The images of the repository, from `aws ecr describe-images` output."""
    raw = json.loads((HERE / "images.json").read_text(encoding="utf-8"))
    return [
        registry_lib.ImageDescription(
            digest=d["imageDigest"],
            tags=d.get("imageTags", []),
            pushed_at=parse_time(d["imagePushedAt"]),
            last_pulled_at=parse_time(d["lastRecordedPullTime"]) if d.get("lastRecordedPullTime") else None,
        )
        for d in raw["imageDetails"]
    ]


def typed_policy() -> registry_lib.LifecyclePolicy:
    """The same policy written with the typed rules: both render the same text."""
    return registry_lib.LifecyclePolicy(
        rules=[
            registry_lib.LifecycleRule.expire_untagged_after(
                cdk.Duration.days(14), rule_priority=1, description="Expire untagged images after 14 days"
            ),
            registry_lib.LifecycleRule.keep_last(
                3,
                rule_priority=2,
                tag_selection=registry_lib.TagSelection.prefixes(["release-"]),
                description="Keep the last 3 releases",
            ),
            registry_lib.LifecycleRule.expire_after_push(
                cdk.Duration.days(30),
                rule_priority=3,
                tag_selection=registry_lib.TagSelection.patterns(["pr-*"]),
                description="Expire pull-request builds after 30 days",
            ),
        ]
    )


def build_app(app: Optional[cdk.App] = None) -> cdk.App:
    app = app or cdk.App()
    stack = cdk.Stack(
        app,
        "LifecyclePreview",
        env=cdk.Environment(account="111111111111", region="eu-west-1"),
        description="cdk-ecr-registry example: a previewed lifecycle policy",
    )
    repository = registry_lib.PrivateRepository(
        stack, "Api", repository_name="payments/api", lifecycle_policy=load_policy()
    )
    # The walkthrough is about the lifecycle policy; the platform-registry example shows a customer managed key.
    cdk.Validations.of(repository).acknowledge(
        cdk.Acknowledgment(
            id="EcrChecks-ECR5",
            reason=(
                "Images are KMS-encrypted with the AWS managed key aws/ecr; this walkthrough shows only the "
                "lifecycle policy, and the platform-registry example shows a customer managed key."
            ),
        )
    )
    return app


if __name__ == "__main__":
    preview = load_policy().preview(load_images(), now=PREVIEW_AT)
    sys.stderr.write(
        f"lifecycle preview at {PREVIEW_AT.strftime('%Y-%m-%dT%H:%M:%S.000Z')}: expired {len(preview.expired)}, "
        f"transitioned {len(preview.transitioned)}, kept {len(preview.kept)}\n"
    )
    for digest in preview.expired:
        decision = preview.decision_for(digest)
        sys.stderr.write(f"  expire {digest} (rule {decision.rule_priority if decision else None})\n")
    if typed_policy().to_json() != load_policy().to_json():
        raise SystemExit("the typed policy does not render the text of policy.json")
    build_app().synth()
