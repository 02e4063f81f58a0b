/*
 * Example: the platform team's registry, in Java.
 *
 * The same app as ../app.ts (and ../app.py), written against the Java binding (the Maven artifact
 * io.github.cdk-ecr-registry:cdk-ecr-registry built by jsii-pacmak into dist/java) and aws-cdk-lib from
 * Maven Central. CI synthesizes it and app.ts and requires identical templates (scripts/bindings-java.sh).
 *
 * Run, after `npx projen package:java` at the repository root:
 *   cd examples/platform-registry/java && npx cdk synth
 *   (or: mvn -q compile exec:java, which writes the assembly to cdk.out, or to $CDK_OUTDIR)
 */
package io.github.cdkecrregistry.examples;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.cdkecrregistry.CreationTemplateAppliedFor;
import io.github.cdkecrregistry.EcrChecks;
import io.github.cdkecrregistry.PrivateRepository;
import io.github.cdkecrregistry.PullThroughCacheRule;
import io.github.cdkecrregistry.PullThroughCacheRuleOptions;
import io.github.cdkecrregistry.Registry;
import io.github.cdkecrregistry.RegistryProps;
import io.github.cdkecrregistry.RegistryScanning;
import io.github.cdkecrregistry.ReplicationDestination;
import io.github.cdkecrregistry.ReplicationRule;
import io.github.cdkecrregistry.RepositoryCreationTemplate;
import io.github.cdkecrregistry.RepositoryCreationTemplateOptions;
import io.github.cdkecrregistry.ScanFrequency;
import io.github.cdkecrregistry.ScanningRule;
import io.github.cdkecrregistry.UpstreamRegistry;
import software.amazon.awscdk.Acknowledgment;
import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.Validations;
import software.amazon.awscdk.services.ecr.TagMutability;
import software.amazon.awscdk.services.iam.AnyPrincipal;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.secretsmanager.ISecret;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.constructs.Construct;

public final class PlatformRegistryApp {
    public static final String REGISTRY_ACCOUNT = "111111111111";
    public static final String PRIMARY_REGION = "eu-west-1";
    public static final String REPLICA_REGION = "us-east-1";
    public static final String DR_ACCOUNT = "222222222222";

    /**
     * The Docker Hub credentials: created once, out of band, so that the token never appears in a template
     * ({@code aws secretsmanager create-secret --name ecr-pullthroughcache/docker-hub --secret-string '{"username":...,"accessToken":...}'}).
     */
    public static final String DOCKER_HUB_SECRET_ARN = "arn:aws:secretsmanager:" + PRIMARY_REGION + ":" + REGISTRY_ACCOUNT
            + ":secret:ecr-pullthroughcache/docker-hub-Ab12Cd";

    private static final String PARTITION_LITERALS = "@aws-cdk/core:enablePartitionLiterals";

    private PlatformRegistryApp() {
    }

    /** The registry account's repositories and registry settings in the primary region. */
    public static class PlatformRegistryStack extends Stack {
        /** The registry settings (the destination stack derives its policy from them). */
        private final Registry registry;

        public PlatformRegistryStack(final Construct scope, final String id, final StackProps props) {
            super(scope, id, props);

            Key key = Key.Builder.create(this, "ImagesKey")
                    .description("Encrypts the platform container images")
                    .enableKeyRotation(true)
                    .build();
            // Control Tower CT.KMS.PR.3: only AWS services (here ECR, for the repositories it encrypts) may create grants.
            Map<String, Object> boolIfExists = new LinkedHashMap<>();
            boolIfExists.put("kms:GrantIsForAWSResource", "false");
            boolIfExists.put("aws:PrincipalIsAWSService", "false");
            key.addToResourcePolicy(PolicyStatement.Builder.create()
                    .sid("GrantsOnlyForAwsServices")
                    .effect(Effect.DENY)
                    .principals(List.of(new AnyPrincipal()))
                    .actions(List.of("kms:CreateGrant"))
                    .resources(List.of("*"))
                    .conditions(Map.of("BoolIfExists", boolIfExists))
                    .build());

            for (String name : List.of("platform/base-images", "payments/api", "payments/worker")) {
                PrivateRepository.Builder.create(this, name.replaceAll("[^a-z0-9]+", "-"))
                        .repositoryName(name)
                        .encryptionKey(key)
                        .build();
            }

            this.registry = new Registry(this, "Registry", RegistryProps.builder()
                    .replicationRules(List.of(
                            ReplicationRule.builder()
                                    .destinations(List.of(ReplicationDestination.builder().region(REPLICA_REGION).build()))
                                    .build(),
                            ReplicationRule.builder()
                                    .destinations(List.of(ReplicationDestination.builder()
                                            .region(PRIMARY_REGION).account(DR_ACCOUNT).build()))
                                    .repositoryPrefixes(List.of("payments/"))
                                    .build()))
                    .scanning(RegistryScanning.enhanced(List.of(
                            ScanningRule.builder()
                                    .frequency(ScanFrequency.CONTINUOUS_SCAN).repositoryFilters(List.of("payments/*")).build(),
                            ScanningRule.builder()
                                    .frequency(ScanFrequency.SCAN_ON_PUSH).repositoryFilters(List.of("*")).build())))
                    .build());

            ISecret dockerHubCredentials = Secret.fromSecretCompleteArn(this, "DockerHubCredentials", DOCKER_HUB_SECRET_ARN);
            List<PullThroughCacheRule> caches = new ArrayList<>();
            caches.add(this.registry.addPullThroughCacheRule("DockerHub", PullThroughCacheRuleOptions.builder()
                    .upstream(UpstreamRegistry.dockerHub(dockerHubCredentials)).build()));
            caches.add(this.registry.addPullThroughCacheRule("EcrPublic", PullThroughCacheRuleOptions.builder()
                    .upstream(UpstreamRegistry.ecrPublic()).build()));

            // Cached repositories: the customer key, and `latest` may move upstream (the cache refreshes it).
            for (PullThroughCacheRule cache : caches) {
                RepositoryCreationTemplate template = this.registry.addCreationTemplate(cache.getNode().getId() + "Template",
                        RepositoryCreationTemplateOptions.builder()
                                .prefix(cache.getRepositoryPrefix())
                                .appliedFor(List.of(CreationTemplateAppliedFor.PULL_THROUGH_CACHE))
                                .description("Repositories cached from " + cache.getUpstream().getRegistryUrl())
                                .imageTagMutability(TagMutability.IMMUTABLE_WITH_EXCLUSION)
                                .imageTagMutabilityExclusionFilters(List.of("latest"))
                                .encryptionKey(key)
                                .resourceTags(Map.of("managed-by", "pull-through-cache"))
                                .build());
                // The `latest` exclusion is deliberate (Security Hub ECR.2 wants IMMUTABLE exactly).
                Annotations.of(template).acknowledgeWarning("cdk-ecr-registry:mutableTags",
                        "Cached repositories let `latest` move so that it follows the upstream tag; every other tag stays immutable.");
                Validations.of(template).acknowledge(Acknowledgment.builder()
                        .id("EcrChecks-CreationTemplate")
                        .reason("Cached repositories let `latest` follow the upstream tag (IMMUTABLE_WITH_EXCLUSION [latest]); "
                                + "every other tag stays immutable and the template sets a lifecycle policy.")
                        .build());
                Validations.of(template).acknowledge(Acknowledgment.builder()
                        .id("AwsSolutions-IAM5[Resource::arn:aws:ecr:" + PRIMARY_REGION + ":" + REGISTRY_ACCOUNT
                                + ":repository/" + cache.getRepositoryPrefix() + "/*]")
                        .reason("ECR creates the cache repositories on demand under " + cache.getRepositoryPrefix()
                                + "/, so their names are not known in advance; the template role can create and tag only "
                                + "repositories under that prefix.")
                        .build());
            }

            // Repositories pushed before anyone created them.
            this.registry.addCreationTemplate("DefaultTemplate", RepositoryCreationTemplateOptions.builder()
                    .prefix("ROOT")
                    .appliedFor(List.of(CreationTemplateAppliedFor.CREATE_ON_PUSH))
                    .description("Repositories created on push")
                    .build());
        }

        public Registry getRegistry() {
            return registry;
        }
    }

    /** The registry account in the replica region: replicas get compliant repositories and scanning. */
    public static class ReplicaRegistryStack extends Stack {
        public ReplicaRegistryStack(final Construct scope, final String id, final StackProps props) {
            super(scope, id, props);
            Registry registry = new Registry(this, "Registry", RegistryProps.builder()
                    .scanning(RegistryScanning.enhanced())
                    .build());
            registry.addCreationTemplate("ReplicaTemplate", RepositoryCreationTemplateOptions.builder()
                    .prefix("ROOT")
                    .appliedFor(List.of(CreationTemplateAppliedFor.REPLICATION))
                    .description("Repositories replicated from " + PRIMARY_REGION)
                    .build());
        }
    }

    /** The disaster-recovery account: lets the registry account replicate its payments repositories in. */
    public static class DisasterRecoveryRegistryStack extends Stack {
        /** The registry settings of the DR account. */
        private final Registry registry;

        /**
         * @param source the registry that replicates into this one (a prop of the stack in app.ts;
         *               a Java StackProps cannot carry it, so it is a parameter here)
         */
        public DisasterRecoveryRegistryStack(final Construct scope, final String id, final StackProps props,
                final Registry source) {
            super(scope, id, props);
            // This stack owns the DR registry's scanning (a Registry writes none unless asked).
            this.registry = new Registry(this, "Registry", RegistryProps.builder()
                    .scanning(RegistryScanning.basic())
                    .build());
            // Allows exactly the source account and the prefixes its rules send here: ecr:ReplicateImage, ecr:CreateRepository.
            this.registry.allowReplicationFromRegistry(source);
            this.registry.addCreationTemplate("ReplicaTemplate", RepositoryCreationTemplateOptions.builder()
                    .prefix("payments")
                    .appliedFor(List.of(CreationTemplateAppliedFor.REPLICATION))
                    .description("Payments repositories replicated from " + REGISTRY_ACCOUNT)
                    .build());
        }

        public Registry getRegistry() {
            return registry;
        }
    }

    public static App buildApp(final App app) {
        // Literal partitions in ARNs (the `cdk init` default): templates are readable, and the cdk-nag finding
        // ids above contain no `<AWS::Partition>` token (an id with two '::' cannot be acknowledged).
        if (app.getNode().tryGetContext(PARTITION_LITERALS) == null) {
            app.getNode().setContext(PARTITION_LITERALS, true);
        }
        PlatformRegistryStack platform = new PlatformRegistryStack(app, "PlatformRegistry", StackProps.builder()
                .env(Environment.builder().account(REGISTRY_ACCOUNT).region(PRIMARY_REGION).build())
                .description("cdk-ecr-registry example: the platform registry")
                .build());
        new ReplicaRegistryStack(app, "PlatformRegistryReplica", StackProps.builder()
                .env(Environment.builder().account(REGISTRY_ACCOUNT).region(REPLICA_REGION).build())
                .description("cdk-ecr-registry example: the platform registry in the replica region")
                .build());
        new DisasterRecoveryRegistryStack(app, "DisasterRecoveryRegistry", StackProps.builder()
                .env(Environment.builder().account(DR_ACCOUNT).region(PRIMARY_REGION).build())
                .description("cdk-ecr-registry example: the disaster-recovery account receiving replicated payments images")
                .build(),
                platform.getRegistry());
        return app;
    }

    public static void main(final String[] args) {
        App app = buildApp(new App());
        // The registry checks itself at synth: an EcrChecks finding fails `cdk synth`.
        Validations.of(app).addPlugins(new EcrChecks());
        app.synth();
    }
}
