"""Example: an application team's service on a verified image, in Python.

The same app as app.ts beside this file, written against the Python binding (the wheel built by
jsii-pacmak) and aws-cdk-lib from PyPI. CI synthesizes both and requires identical templates
(scripts/bindings-python.sh).

The registry account (111111111111, eu-west-1; see examples/platform-registry) owns `payments/api`. The
application account (333333333333) imports it by ARN, checks at deploy time that tag `v1.2.3` exists, is
not archived and has no CRITICAL findings, and runs a Fargate service on exactly the digest that was
checked.

Run: python examples/application/app.py   (in a virtualenv with cdk-ecr-registry and aws-cdk-lib)
"""
from typing import Any, List, Optional, cast

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_logs as logs
from constructs import Construct

import cdk_ecr_registry as registry_lib

REGISTRY_ACCOUNT = "111111111111"
APP_ACCOUNT = "333333333333"
REGION = "eu-west-1"

NAG_PACKS = ["NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321"]
LOGS_REASON = (
    "The example relies on CloudWatch Logs encryption at rest with service keys; a production service "
    "handling cardholder or health data would pass its own KMS key to these log groups."
)


class PaymentsServiceStack(cdk.Stack):
    """The payments API on Fargate, pinned to a verified digest."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)

        repository = ecr.Repository.from_repository_arn(
            self, "ApiRepository", f"arn:aws:ecr:{REGION}:{REGISTRY_ACCOUNT}:repository/payments/api"
        )

        # Fails `cdk deploy` early if the tag is missing, archived or has CRITICAL findings.
        self.check = registry_lib.ImageCheck(
            self,
            "ApiImage",
            images=[registry_lib.ImageReference.from_tag(repository, "v1.2.3")],
            fail_on_severity=registry_lib.ScanFindingSeverity.CRITICAL,
        )

        vpc = ec2.Vpc(
            self,
            "Vpc",
            max_azs=2,
            nat_gateways=1,
            flow_logs={"all": ec2.FlowLogOptions(traffic_type=ec2.FlowLogTrafficType.ALL)},
        )
        cluster = ecs.Cluster(self, "Cluster", vpc=vpc, container_insights_v2=ecs.ContainerInsights.ENABLED)

        task_definition = ecs.FargateTaskDefinition(self, "Task", cpu=256, memory_limit_mib=512)
        task_definition.add_container(
            "api",
            # Pull is granted to the task's execution role; the image is <registry>/payments/api@sha256:...
            image=registry_lib.VerifiedContainerImage.from_verified_image(self.check.verified_images[0]),
            logging=ecs.LogDrivers.aws_logs(
                stream_prefix="api",
                log_group=logs.LogGroup(self, "ApiLogs", retention=logs.RetentionDays.ONE_YEAR),
            ),
            port_mappings=[ecs.PortMapping(container_port=8080)],
            # Control Tower CT.ECS.PR: a hard memory limit, a read-only root file system and a non-root user.
            memory_limit_mib=512,
            readonly_root_filesystem=True,
            user="1000",
        )

        # The only cdk-nag finding: pulling from ECR needs ecr:GetAuthorizationToken, an action without
        # resource-level permissions (it must be granted on "*"); the pull actions themselves are scoped
        # to the repository ARN. Acknowledged on the execution role only, for that finding only.
        cdk.Validations.of(task_definition.obtain_execution_role()).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason=(
                    'ecr:GetAuthorizationToken supports no resource-level permissions, so it is granted on "*"; '
                    "ecr:BatchGetImage, ecr:GetDownloadUrlForLayer and ecr:BatchCheckLayerAvailability are scoped "
                    "to payments/api."
                ),
            )
        )

        acknowledge_example_findings(vpc, task_definition, cast(logs.LogGroup, self.node.find_child("ApiLogs")))

        ecs.FargateService(
            self,
            "Service",
            cluster=cluster,
            task_definition=task_definition,
            desired_count=2,
            min_healthy_percent=100,
            circuit_breaker=ecs.DeploymentCircuitBreaker(rollback=True),
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        )


def each(rule: str, reason: str) -> List[cdk.Acknowledgment]:
    return [cdk.Acknowledgment(id=f"{pack}-{rule}", reason=reason) for pack in NAG_PACKS]


def acknowledge_example_findings(
    vpc: ec2.Vpc, task_definition: ecs.FargateTaskDefinition, api_logs: logs.LogGroup
) -> None:
    """The example's network and logging choices, acknowledged with the reason (they are not about ECR)."""
    cdk.Validations.of(vpc).acknowledge(
        *each(
            "VPCNoUnrestrictedRouteToIGW",
            "The public subnets hold only the NAT gateway, which needs a route to the internet gateway; "
            "the tasks run in private subnets.",
        ),
        *each(
            "VPCSubnetAutoAssignPublicIpDisabled",
            "Only the NAT gateway lives in the public subnets; the Fargate tasks run in private subnets "
            "without public addresses.",
        ),
        *each(
            "VPCDefaultSecurityGroupClosed",
            "Nothing uses the default security group; closing it needs a custom resource Lambda that this "
            "example avoids.",
        ),
        *each(
            "IAMNoInlinePolicy",
            "The flow log role is created by aws-cdk-lib for the flow log alone; its inline policy writes only "
            "to the flow log group.",
        ),
        *each("CloudWatchLogGroupEncrypted", LOGS_REASON),
    )
    cdk.Validations.of(task_definition.obtain_execution_role()).acknowledge(
        *each(
            "IAMNoInlinePolicy",
            "The execution role is created by aws-cdk-lib for this task alone; its inline policy pulls the one "
            "image and writes the task logs.",
        )
    )
    cdk.Validations.of(api_logs).acknowledge(*each("CloudWatchLogGroupEncrypted", LOGS_REASON))

    log_groups = [api_logs, cast(logs.LogGroup, vpc.node.find_child("all").node.find_child("LogGroup"))]
    for group in log_groups:
        cfn = cast(cdk.CfnResource, group.node.default_child)
        cfn.add_metadata("checkov", {"skip": [{"id": "CKV_AWS_158", "comment": LOGS_REASON}]})
        cfn.add_metadata(
            "guard",
            {
                "SuppressedRules": ["cloudwatch_log_group_encrypted_check"],
                "Reasons": {"cloudwatch_log_group_encrypted_check": LOGS_REASON},
            },
        )
    for subnet in vpc.public_subnets:
        cfn = cast(cdk.CfnResource, subnet.node.default_child)
        cfn.add_metadata(
            "guard",
            {
                "SuppressedRules": ["subnet_auto_assign_public_ip_disabled_check"],
                "Reasons": {
                    "subnet_auto_assign_public_ip_disabled_check": (
                        "Only the NAT gateway lives in the public subnets; the Fargate tasks run in private subnets."
                    )
                },
            },
        )


def build_app(app: Optional[cdk.App] = None) -> cdk.App:
    app = app or cdk.App()
    # What `cdk.context.json` would hold after a lookup: synthesizes without credentials.
    az_key = f"availability-zones:account={APP_ACCOUNT}:region={REGION}"
    if app.node.try_get_context(az_key) is None:
        app.node.set_context(az_key, [f"{REGION}a", f"{REGION}b", f"{REGION}c"])
    PaymentsServiceStack(
        app,
        "PaymentsService",
        env=cdk.Environment(account=APP_ACCOUNT, region=REGION),
        description="cdk-ecr-registry example: a Fargate service on a verified image digest",
    )
    return app


if __name__ == "__main__":
    build_app().synth()
