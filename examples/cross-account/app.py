"""Example: cross-account and organization access, in Python.

The same app as app.ts beside this file, written against the Python binding (the wheel built by
jsii-pacmak) and aws-cdk-lib from PyPI. CI synthesizes both and requires identical templates
(scripts/bindings-python.sh).

Two accounts, two stacks:
- the registry account (111111111111) owns `payments/api`; its repository policy lets one role of the
  consumer account pull, and every principal of the organization pull;
- the consumer account (222222222222) owns the role `payments-image-puller`, whose identity policy
  allows the same pull on that repository (both sides are needed across accounts).

Run: python examples/cross-account/app.py   (in a virtualenv with cdk-ecr-registry and aws-cdk-lib)
"""
from typing import Any, Optional

import aws_cdk as cdk
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from constructs import Construct

import cdk_ecr_registry as registry_lib

REGISTRY_ACCOUNT = "111111111111"
CONSUMER_ACCOUNT = "222222222222"
REGION = "eu-west-1"
ORGANIZATION_ID = "o-a1b2c3d4e5"
REPOSITORY_NAME = "payments/api"
PULLER_ROLE_NAME = "payments-image-puller"

PULLER_ROLE_ARN = f"arn:aws:iam::{CONSUMER_ACCOUNT}:role/{PULLER_ROLE_NAME}"
REPOSITORY_ARN = f"arn:aws:ecr:{REGION}:{REGISTRY_ACCOUNT}:repository/{REPOSITORY_NAME}"


class RegistryStack(cdk.Stack):
    """The registry account: the repository and its policy (the resource side)."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.repository = registry_lib.PrivateRepository(self, "PaymentsApi", repository_name=REPOSITORY_NAME)
        cdk.Validations.of(self.repository).acknowledge(
            cdk.Acknowledgment(
                id="EcrChecks-ECR5",
                reason=(
                    "Images are KMS-encrypted with the AWS managed key aws/ecr; this example shows only the "
                    "cross-account access policies, and the platform-registry example shows a customer managed key."
                ),
            )
        )

        # One role of the consumer account: named by ARN, so the stacks share no reference.
        self.repository.access.grant_pull_to_principal(
            iam.Role.from_role_arn(self, "ConsumerPuller", PULLER_ROLE_ARN, mutable=False)
        )

        # Every principal of the organization (Principal "*" with aws:PrincipalOrgID);
        # the AwsSolutions-ECR1 acknowledgement ships with this grant.
        self.repository.access.grant_pull_to_organization(ORGANIZATION_ID)


class ConsumerStack(cdk.Stack):
    """The consumer account: the role that pulls (the identity side)."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.role = iam.Role(
            self,
            "Puller",
            role_name=PULLER_ROLE_NAME,
            assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
        )
        repository = ecr.Repository.from_repository_arn(self, "PaymentsApi", REPOSITORY_ARN)
        registry_lib.RepositoryAccess.of(repository).grant_pull_to_principal(self.role)

        # The login action has no resource-level permissions: it needs Resource "*".
        cdk.Validations.of(self.role).acknowledge(
            *[
                cdk.Acknowledgment(
                    id=f"{pack}-IAMNoInlinePolicy",
                    reason=(
                        "The role exists only to pull this one repository; its inline policy holds just the pull "
                        "grant and is created and deleted with the role, so a managed policy would add no control."
                    ),
                )
                for pack in ["NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321"]
            ],
            cdk.Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason=(
                    'ecr:GetAuthorizationToken (docker login) supports only Resource "*"; the pull actions are '
                    "limited to the one repository ARN."
                ),
            ),
        )


def build_app(app: Optional[cdk.App] = None) -> cdk.App:
    app = app or cdk.App()
    RegistryStack(
        app,
        "CrossAccountRegistry",
        env=cdk.Environment(account=REGISTRY_ACCOUNT, region=REGION),
        description="cdk-ecr-registry example: registry account with cross-account and organization pull",
    )
    ConsumerStack(
        app,
        "CrossAccountConsumer",
        env=cdk.Environment(account=CONSUMER_ACCOUNT, region=REGION),
        description="cdk-ecr-registry example: consumer account role that pulls",
    )
    return app


if __name__ == "__main__":
    build_app().synth()
