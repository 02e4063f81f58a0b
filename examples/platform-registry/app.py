"""Example: the platform team's registry, in Python.

The same app as app.ts beside this file, written against the Python binding (the wheel built by
jsii-pacmak) and aws-cdk-lib from PyPI. CI synthesizes both and requires identical templates
(scripts/bindings-python.sh).

Run: python examples/platform-registry/app.py   (in a virtualenv with cdk-ecr-registry and aws-cdk-lib)
"""
import re
from typing import Any, Optional

import aws_cdk as cdk
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

import cdk_ecr_registry as registry_lib

REGISTRY_ACCOUNT = "111111111111"
PRIMARY_REGION = "eu-west-1"
REPLICA_REGION = "us-east-1"
DR_ACCOUNT = "222222222222"

DOCKER_HUB_SECRET_ARN = (
    f"arn:aws:secretsmanager:{PRIMARY_REGION}:{REGISTRY_ACCOUNT}:secret:ecr-pullthroughcache/docker-hub-Ab12Cd"
)

PARTITION_LITERALS = "@aws-cdk/core:enablePartitionLiterals"


class PlatformRegistryStack(cdk.Stack):
    """The registry account's repositories and registry settings in the primary region."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)

        key = kms.Key(
            self, "ImagesKey", description="Encrypts the platform container images", enable_key_rotation=True
        )

        # Control Tower CT.KMS.PR.3: only AWS services (here ECR, for the repositories it encrypts) may create grants.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="GrantsOnlyForAwsServices",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["kms:CreateGrant"],
                resources=["*"],
                conditions={"BoolIfExists": {"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false"}},
            )
        )

        for name in ["platform/base-images", "payments/api", "payments/worker"]:
            registry_lib.PrivateRepository(
                self, re.sub(r"[^a-z0-9]+", "-", name), repository_name=name, encryption_key=key
            )

        self.registry = registry_lib.Registry(
            self,
            "Registry",
            replication_rules=[
                registry_lib.ReplicationRule(
                    destinations=[registry_lib.ReplicationDestination(region=REPLICA_REGION)]
                ),
                registry_lib.ReplicationRule(
                    destinations=[registry_lib.ReplicationDestination(region=PRIMARY_REGION, account=DR_ACCOUNT)],
                    repository_prefixes=["payments/"],
                ),
            ],
            scanning=registry_lib.RegistryScanning.enhanced(
                [
                    registry_lib.ScanningRule(
                        frequency=registry_lib.ScanFrequency.CONTINUOUS_SCAN, repository_filters=["payments/*"]
                    ),
                    registry_lib.ScanningRule(
                        frequency=registry_lib.ScanFrequency.SCAN_ON_PUSH, repository_filters=["*"]
                    ),
                ]
            ),
        )

        docker_hub_credentials = secretsmanager.Secret.from_secret_complete_arn(
            self, "DockerHubCredentials", DOCKER_HUB_SECRET_ARN
        )
        caches = [
            self.registry.add_pull_through_cache_rule(
                "DockerHub", upstream=registry_lib.UpstreamRegistry.docker_hub(docker_hub_credentials)
            ),
            self.registry.add_pull_through_cache_rule(
                "EcrPublic", upstream=registry_lib.UpstreamRegistry.ecr_public()
            ),
        ]

        # Cached repositories: the customer key, and `latest` may move upstream (the cache refreshes it).
        for cache in caches:
            template = self.registry.add_creation_template(
                f"{cache.node.id}Template",
                prefix=cache.repository_prefix,
                applied_for=[registry_lib.CreationTemplateAppliedFor.PULL_THROUGH_CACHE],
                description=f"Repositories cached from {cache.upstream.registry_url}",
                image_tag_mutability=ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION,
                image_tag_mutability_exclusion_filters=["latest"],
                encryption_key=key,
                resource_tags={"managed-by": "pull-through-cache"},
            )
            # The `latest` exclusion is deliberate (Security Hub ECR.2 wants IMMUTABLE exactly).
            cdk.Annotations.of(template).acknowledge_warning(
                "cdk-ecr-registry:mutableTags",
                "Cached repositories let `latest` move so that it follows the upstream tag; every other tag stays immutable.",
            )
            cdk.Validations.of(template).acknowledge(
                cdk.Acknowledgment(
                    id="EcrChecks-CreationTemplate",
                    reason=(
                        "Cached repositories let `latest` follow the upstream tag (IMMUTABLE_WITH_EXCLUSION [latest]); "
                        "every other tag stays immutable and the template sets a lifecycle policy."
                    ),
                )
            )
            cdk.Validations.of(template).acknowledge(
                cdk.Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::arn:aws:ecr:{PRIMARY_REGION}:{REGISTRY_ACCOUNT}:repository/{cache.repository_prefix}/*]",
                reason=(
                    f"ECR creates the cache repositories on demand under {cache.repository_prefix}/, so their names are not "
                    f"known in advance; the template role can create and tag only repositories under that prefix."
                ),
                )
            )

        # Repositories pushed before anyone created them.
        self.registry.add_creation_template(
            "DefaultTemplate",
            prefix="ROOT",
            applied_for=[registry_lib.CreationTemplateAppliedFor.CREATE_ON_PUSH],
            description="Repositories created on push",
        )


class ReplicaRegistryStack(cdk.Stack):
    """The registry account in the replica region: replicas get compliant repositories and scanning."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        registry = registry_lib.Registry(self, "Registry", scanning=registry_lib.RegistryScanning.enhanced())
        registry.add_creation_template(
            "ReplicaTemplate",
            prefix="ROOT",
            applied_for=[registry_lib.CreationTemplateAppliedFor.REPLICATION],
            description=f"Repositories replicated from {PRIMARY_REGION}",
        )


class DisasterRecoveryRegistryStack(cdk.Stack):
    """The disaster-recovery account: lets the registry account replicate its payments repositories in."""

    def __init__(self, scope: Construct, construct_id: str, *, source: registry_lib.Registry, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        # This stack owns the DR registry's scanning (a Registry writes none unless asked).
        self.registry = registry_lib.Registry(self, "Registry", scanning=registry_lib.RegistryScanning.basic())
        self.registry.allow_replication_from_registry(source)
        self.registry.add_creation_template(
            "ReplicaTemplate",
            prefix="payments",
            applied_for=[registry_lib.CreationTemplateAppliedFor.REPLICATION],
            description=f"Payments repositories replicated from {REGISTRY_ACCOUNT}",
        )


def build_app(app: Optional[cdk.App] = None) -> cdk.App:
    app = app or cdk.App()
    if app.node.try_get_context(PARTITION_LITERALS) is None:
        app.node.set_context(PARTITION_LITERALS, True)
    platform = PlatformRegistryStack(
        app,
        "PlatformRegistry",
        env=cdk.Environment(account=REGISTRY_ACCOUNT, region=PRIMARY_REGION),
        description="cdk-ecr-registry example: the platform registry",
    )
    ReplicaRegistryStack(
        app,
        "PlatformRegistryReplica",
        env=cdk.Environment(account=REGISTRY_ACCOUNT, region=REPLICA_REGION),
        description="cdk-ecr-registry example: the platform registry in the replica region",
    )
    DisasterRecoveryRegistryStack(
        app,
        "DisasterRecoveryRegistry",
        env=cdk.Environment(account=DR_ACCOUNT, region=PRIMARY_REGION),
        description="cdk-ecr-registry example: the disaster-recovery account receiving replicated payments images",
        source=platform.registry,
    )
    return app


if __name__ == "__main__":
    app = build_app()
    # The registry checks itself at synth: an EcrChecks finding fails `cdk synth`.
    cdk.Validations.of(app).add_plugins(registry_lib.EcrChecks())
    app.synth()
