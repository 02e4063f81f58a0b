// Example: the platform team's registry, in Go.
//
// The same app as ../app.ts (and ../app.py, ../java), written against the Go binding (the module
// github.com/cdk-ecr-registry/cdk-ecr-registry-go/cdkecrregistry that `npx projen package:go` writes to
// dist/go/cdkecrregistry; go.mod points there with a replace directive) and aws-cdk-go from the Go module
// proxy. CI synthesizes it and app.ts and requires identical templates (scripts/bindings-go.sh).
//
// Run, after `npx projen package:go` at the repository root (the first build compiles aws-cdk-go, which
// takes minutes; see docs/install.md):
//
//	cd examples/platform-registry/go && npx cdk synth
//	(or: go run . , which writes the assembly to cdk.out, or to $CDK_OUTDIR)
package main

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecr"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk-ecr-registry/cdk-ecr-registry-go/cdkecrregistry"
)

const (
	RegistryAccount = "111111111111"
	PrimaryRegion   = "eu-west-1"
	ReplicaRegion   = "us-east-1"
	DrAccount       = "222222222222"
)

// DockerHubSecretArn names the Docker Hub credentials: created once, out of band, so that the token never
// appears in a template (`aws secretsmanager create-secret --name ecr-pullthroughcache/docker-hub
// --secret-string '{"username":...,"accessToken":...}'`).
const DockerHubSecretArn = "arn:aws:secretsmanager:" + PrimaryRegion + ":" + RegistryAccount +
	":secret:ecr-pullthroughcache/docker-hub-Ab12Cd"

const partitionLiterals = "@aws-cdk/core:enablePartitionLiterals"

var nonIDCharacters = regexp.MustCompile(`[^a-z0-9]+`)

// NewPlatformRegistryStack is the registry account's repositories and registry settings in the primary
// region. It returns the stack and its registry settings (the destination stack derives its policy from them).
func NewPlatformRegistryStack(scope constructs.Construct, id string, props *awscdk.StackProps) (awscdk.Stack, cdkecrregistry.Registry) {
	stack := awscdk.NewStack(scope, jsii.String(id), props)

	key := awskms.NewKey(stack, jsii.String("ImagesKey"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the platform container images"),
		EnableKeyRotation: jsii.Bool(true),
	})
	// Control Tower CT.KMS.PR.3: only AWS services (here ECR, for the repositories it encrypts) may create grants.
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("GrantsOnlyForAwsServices"),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("kms:CreateGrant"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]interface{}{
			"BoolIfExists": map[string]string{"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false"},
		},
	}), nil)

	for _, name := range []string{"platform/base-images", "payments/api", "payments/worker"} {
		cdkecrregistry.NewPrivateRepository(stack, jsii.String(nonIDCharacters.ReplaceAllString(name, "-")), &cdkecrregistry.PrivateRepositoryProps{
			RepositoryName: jsii.String(name),
			EncryptionKey:  key,
		})
	}

	registry := cdkecrregistry.NewRegistry(stack, jsii.String("Registry"), &cdkecrregistry.RegistryProps{
		ReplicationRules: &[]*cdkecrregistry.ReplicationRule{
			{Destinations: &[]*cdkecrregistry.ReplicationDestination{{Region: jsii.String(ReplicaRegion)}}},
			{
				Destinations:       &[]*cdkecrregistry.ReplicationDestination{{Region: jsii.String(PrimaryRegion), Account: jsii.String(DrAccount)}},
				RepositoryPrefixes: jsii.Strings("payments/"),
			},
		},
		Scanning: cdkecrregistry.RegistryScanning_Enhanced(&[]*cdkecrregistry.ScanningRule{
			{Frequency: cdkecrregistry.ScanFrequency_CONTINUOUS_SCAN, RepositoryFilters: jsii.Strings("payments/*")},
			{Frequency: cdkecrregistry.ScanFrequency_SCAN_ON_PUSH, RepositoryFilters: jsii.Strings("*")},
		}),
	})

	dockerHubCredentials := awssecretsmanager.Secret_FromSecretCompleteArn(stack, jsii.String("DockerHubCredentials"), jsii.String(DockerHubSecretArn))
	caches := []cdkecrregistry.PullThroughCacheRule{
		registry.AddPullThroughCacheRule(jsii.String("DockerHub"), &cdkecrregistry.PullThroughCacheRuleOptions{
			Upstream: cdkecrregistry.UpstreamRegistry_DockerHub(dockerHubCredentials),
		}),
		registry.AddPullThroughCacheRule(jsii.String("EcrPublic"), &cdkecrregistry.PullThroughCacheRuleOptions{
			Upstream: cdkecrregistry.UpstreamRegistry_EcrPublic(),
		}),
	}

	// Cached repositories: the customer key, and `latest` may move upstream (the cache refreshes it).
	for _, cache := range caches {
		prefix := *cache.RepositoryPrefix()
		template := registry.AddCreationTemplate(jsii.String(*cache.Node().Id()+"Template"), &cdkecrregistry.RepositoryCreationTemplateOptions{
			Prefix:                             jsii.String(prefix),
			AppliedFor:                         &[]cdkecrregistry.CreationTemplateAppliedFor{cdkecrregistry.CreationTemplateAppliedFor_PULL_THROUGH_CACHE},
			Description:                        jsii.String("Repositories cached from " + *cache.Upstream().RegistryUrl()),
			ImageTagMutability:                 awsecr.TagMutability_IMMUTABLE_WITH_EXCLUSION,
			ImageTagMutabilityExclusionFilters: jsii.Strings("latest"),
			EncryptionKey:                      key,
			ResourceTags:                       &map[string]*string{"managed-by": jsii.String("pull-through-cache")},
		})
		// The `latest` exclusion is deliberate (Security Hub ECR.2 wants IMMUTABLE exactly).
		awscdk.Annotations_Of(template).AcknowledgeWarning(jsii.String("cdk-ecr-registry:mutableTags"),
			jsii.String("Cached repositories let `latest` move so that it follows the upstream tag; every other tag stays immutable."))
		awscdk.Validations_Of(template).Acknowledge(&awscdk.Acknowledgment{
			Id: jsii.String("EcrChecks-CreationTemplate"),
			Reason: jsii.String("Cached repositories let `latest` follow the upstream tag (IMMUTABLE_WITH_EXCLUSION [latest]); " +
				"every other tag stays immutable and the template sets a lifecycle policy."),
		})
		awscdk.Validations_Of(template).Acknowledge(&awscdk.Acknowledgment{
			Id: jsii.String(fmt.Sprintf("AwsSolutions-IAM5[Resource::arn:aws:ecr:%s:%s:repository/%s/*]", PrimaryRegion, RegistryAccount, prefix)),
			Reason: jsii.String(fmt.Sprintf("ECR creates the cache repositories on demand under %s/, so their names are not known in advance; "+
				"the template role can create and tag only repositories under that prefix.", prefix)),
		})
	}

	// Repositories pushed before anyone created them.
	registry.AddCreationTemplate(jsii.String("DefaultTemplate"), &cdkecrregistry.RepositoryCreationTemplateOptions{
		Prefix:      jsii.String("ROOT"),
		AppliedFor:  &[]cdkecrregistry.CreationTemplateAppliedFor{cdkecrregistry.CreationTemplateAppliedFor_CREATE_ON_PUSH},
		Description: jsii.String("Repositories created on push"),
	})
	return stack, registry
}

// NewReplicaRegistryStack is the registry account in the replica region: replicas get compliant
// repositories and scanning.
func NewReplicaRegistryStack(scope constructs.Construct, id string, props *awscdk.StackProps) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(id), props)
	registry := cdkecrregistry.NewRegistry(stack, jsii.String("Registry"), &cdkecrregistry.RegistryProps{
		Scanning: cdkecrregistry.RegistryScanning_Enhanced(nil),
	})
	registry.AddCreationTemplate(jsii.String("ReplicaTemplate"), &cdkecrregistry.RepositoryCreationTemplateOptions{
		Prefix:      jsii.String("ROOT"),
		AppliedFor:  &[]cdkecrregistry.CreationTemplateAppliedFor{cdkecrregistry.CreationTemplateAppliedFor_REPLICATION},
		Description: jsii.String("Repositories replicated from " + PrimaryRegion),
	})
	return stack
}

// NewDisasterRecoveryRegistryStack is the disaster-recovery account: it lets the registry account replicate
// its payments repositories in. source is the registry that replicates into this one (a prop of the stack in
// app.ts; awscdk.StackProps cannot carry it, so it is a parameter here).
func NewDisasterRecoveryRegistryStack(scope constructs.Construct, id string, props *awscdk.StackProps, source cdkecrregistry.Registry) (awscdk.Stack, cdkecrregistry.Registry) {
	stack := awscdk.NewStack(scope, jsii.String(id), props)
	// This stack owns the DR registry's scanning (a Registry writes none unless asked).
	registry := cdkecrregistry.NewRegistry(stack, jsii.String("Registry"), &cdkecrregistry.RegistryProps{
		Scanning: cdkecrregistry.RegistryScanning_Basic(nil),
	})
	// Allows exactly the source account and the prefixes its rules send here: ecr:ReplicateImage, ecr:CreateRepository.
	registry.AllowReplicationFromRegistry(source, nil)
	registry.AddCreationTemplate(jsii.String("ReplicaTemplate"), &cdkecrregistry.RepositoryCreationTemplateOptions{
		Prefix:      jsii.String("payments"),
		AppliedFor:  &[]cdkecrregistry.CreationTemplateAppliedFor{cdkecrregistry.CreationTemplateAppliedFor_REPLICATION},
		Description: jsii.String("Payments repositories replicated from " + RegistryAccount),
	})
	return stack, registry
}

// BuildApp adds the three stacks to app.
func BuildApp(app awscdk.App) awscdk.App {
	// Literal partitions in ARNs (the `cdk init` default): templates are readable, and the cdk-nag finding
	// ids above contain no `<AWS::Partition>` token (an id with two '::' cannot be acknowledged).
	if app.Node().TryGetContext(jsii.String(partitionLiterals)) == nil {
		app.Node().SetContext(jsii.String(partitionLiterals), true)
	}
	_, platform := NewPlatformRegistryStack(app, "PlatformRegistry", &awscdk.StackProps{
		Env:         &awscdk.Environment{Account: jsii.String(RegistryAccount), Region: jsii.String(PrimaryRegion)},
		Description: jsii.String("cdk-ecr-registry example: the platform registry"),
	})
	NewReplicaRegistryStack(app, "PlatformRegistryReplica", &awscdk.StackProps{
		Env:         &awscdk.Environment{Account: jsii.String(RegistryAccount), Region: jsii.String(ReplicaRegion)},
		Description: jsii.String("cdk-ecr-registry example: the platform registry in the replica region"),
	})
	NewDisasterRecoveryRegistryStack(app, "DisasterRecoveryRegistry", &awscdk.StackProps{
		Env:         &awscdk.Environment{Account: jsii.String(DrAccount), Region: jsii.String(PrimaryRegion)},
		Description: jsii.String("cdk-ecr-registry example: the disaster-recovery account receiving replicated payments images"),
	}, platform)
	return app
}

func main() {
	defer jsii.Close()
	app := BuildApp(awscdk.NewApp(nil))
	// The registry checks itself at synth: an EcrChecks finding fails `cdk synth`.
	awscdk.Validations_Of(app).AddPlugins(cdkecrregistry.NewEcrChecks(nil))
	app.Synth(nil)
}
