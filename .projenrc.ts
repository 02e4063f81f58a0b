import { awscdk, javascript } from 'projen';

/**
 * The lowest aws-cdk-lib this library supports (the peer dependency floor).
 *
 * 2.258.0 is the first release whose `Validations`/plugin path cdk-nag 3 needs
 * (cdk-nag 3 declares `^2.257.0`, but its plugin path only works from 2.258),
 * and it already has every L1 resource and property we synthesize:
 * CfnRepository.imageTagMutabilityExclusionFilters, CfnRepositoryCreationTemplate,
 * CfnPullThroughCacheRule.customRoleArn/upstreamRepositoryPrefix,
 * CfnRegistryScanningConfiguration, CfnReplicationConfiguration, CfnRegistryPolicy.
 * CI additionally runs the whole suite against the newest aws-cdk-lib 2.x.
 */
const MIN_CDK_VERSION = '2.258.0';

/** Node 20 is end-of-life for jsii; the banner is noise in every task. */
const JSII_ENV = { JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' };

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-ecr-registry',
  description: 'AWS CDK constructs for a complete, compliant Amazon ECR registry: secure repositories, typed lifecycle policies with a local preview, cross-account access, replication, scanning, pull-through cache, creation templates and deploy-time image checks.',
  author: 'cdk-ecr-registry developers',
  authorAddress: 'dev@cdk-ecr-registry.invalid',
  repositoryUrl: 'https://github.com/cdk-ecr-registry/cdk-ecr-registry.git',
  defaultReleaseBranch: 'main',
  license: 'Apache-2.0',
  keywords: ['aws-cdk', 'ecr', 'container-registry', 'lifecycle-policy', 'cdk-nag', 'compliance'],
  stability: 'experimental',

  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  minNodeVersion: '22.0.0',
  typescriptVersion: '~6.0.0',
  jsiiVersion: '~6.0.0',

  cdkVersion: MIN_CDK_VERSION,
  constructsVersion: '10.5.1',
  // cdk-nag is NOT a dependency of the library: cdk-nag 3 is published for npm and PyPI only (no Maven
  // artifact, no Go module), so depending on it would make the Java and Go bindings unbuildable.
  // EcrChecks implements aws-cdk-lib's IPolicyValidationPlugin itself; cdk-nag packs are used in tests.
  devDeps: [
    'cdk-nag@3.0.2',
    // Validates the report's --json output against schema/report.schema.json (draft 2020-12).
    'ajv@^8.17.0',
    'ajv-formats@^3.0.1',
    // Validates the report's --sarif output (test/report/sarif.test.ts): the SARIF SDK's own validator
    // (a self-contained .NET binary in @microsoft/sarif-multitool-linux, about 100 MB, offline).
    '@microsoft/sarif-multitool@5.7.0',
    // Drift tests: moto's CloudFormation answers a deployed stack's physical ids (the package does not
    // bundle this client: +2.2 MB installed would break the size budget; see docs/report.md).
    '@aws-sdk/client-cloudformation@^3.1000.0',
    'aws-cdk@^2.1100.0',
    '@cdklabs/cdk-validator-cfnguard@^0.0.62',
    'aws-sdk-client-mock@^4.1.0',
    'aws-sdk-client-mock-jest@^4.1.0',
    '@types/aws-lambda@^8.10.0',
    'esbuild@^0.25.0',
    'tsx@^4.19.0',
    'fast-check@^3.23.0',
    '@aws-cdk/lambda-layer-kubectl-v33@^2.2.2',
    // The report's HTML page is opened in Debian's /usr/bin/chromium over the DevTools protocol in the tests
    // (test/helpers/chromium.ts). puppeteer-core downloads no browser; 24.x is the last line for Node 20.
    'puppeteer-core@^24.43.0',
    // The organization audit's worker (src/audit/audit-worker.lambda.ts) is bundled by esbuild into its asset at
    // package time with these clients: they are not dependencies of the library itself.
    '@aws-sdk/client-s3@^3.1000.0',
    '@aws-sdk/client-securityhub@^3.1000.0',
    '@aws-sdk/client-organizations@^3.1000.0',
    // The image copy handler (src/image-copy/image-copy.lambda.ts) reads a source registry's credentials from
    // Secrets Manager; esbuild bundles this client into its asset (not a dependency of the library itself).
    '@aws-sdk/client-secrets-manager@^3.1000.0',
    // The audit's state machine definition is checked by a real Amazon States Language validator (test/audit).
    'asl-validator@^4.0.0',
  ],
  bin: { 'cdk-ecr-registry': 'lib/cli/main.js' },
  // The `cdk-ecr-registry` CLI (lifecycle preview against a live repository) reads images through the SDK.
  // The runtime policy (src/runtime) builds its transport on @smithy/node-http-handler (the SDK's own).
  // `report --target account:region:roleArn` assumes each role with STS, through the same client policy.
  // lifecycle preview --in-use reads ECS services and tasks and Lambda functions (src/cli/in-use.ts).
  bundledDeps: ['@aws-sdk/client-ecr@^3.1000.0', '@smithy/node-http-handler@^4.14.2', '@aws-sdk/client-sts@^3.1000.0', '@aws-sdk/client-ecs@^3.1000.0', '@aws-sdk/client-lambda@^3.1000.0'],

  // Lambda handlers are src/**/<name>.lambda.ts, bundled below. Not auto-discovered: the image
  // check's provider builds its own singleton function (own role, log group and scoped permissions).
  lambdaAutoDiscover: false,

  tsconfig: {
    compilerOptions: {
      // lib/*.js keeps its inline source map (stack traces under --enable-source-maps name src/*.ts lines)
      // without a copy of every source file in it: the sources were 2.1 MB of the package's 4.3 MB lib/.
      inlineSources: false,
    },
  },
  tsconfigDevFile: 'tsconfig.dev.json',
  tsconfigDev: {
    include: ['src/**/*.ts', 'test/**/*.ts', 'examples/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', '.projenrc.ts', 'projenrc/**/*.ts'],
    compilerOptions: {
      // Examples and tests import the library by its package name, as users do.
      paths: { 'cdk-ecr-registry': ['./src/index.ts'] },
    },
  },
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'examples', 'scripts', 'bench', 'projenrc'],
    projectService: false,
    tsconfigPath: './tsconfig.dev.json',
  },
  jestOptions: {
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    passWithNoTests: false,
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '/cdk.out/'],
      // Work folders of CI and the bindings checks hold package.json files (jsii's unpacked packages)
      // that would shadow this package in jest's module map.
      modulePathIgnorePatterns: ['<rootDir>/.ci-work/', '<rootDir>/.venv/', '<rootDir>/.venv-bindings/', '<rootDir>/dist/'],
      collectCoverage: false,
      moduleNameMapper: { '^cdk-ecr-registry$': '<rootDir>/src/index.ts' },
      // Type-checking happens once in the `typecheck` task; jest only transpiles.
      transform: {
        '^.+\\.[t]sx?$': new javascript.Transform('ts-jest', { tsconfig: 'tsconfig.dev.json', isolatedModules: true }),
      },
      snapshotSerializers: ['<rootDir>/test/helpers/asset-hash-serializer.js', '<rootDir>/test/helpers/lambda-runtime-serializer.js'],
      // Fault-matrix rows (test.concurrent) run 8 at a time: each waits on timers, not on the CPU
      // (CONCURRENT_ROWS in test/helpers/fault-matrix.ts).
      maxConcurrency: 8,
    },
  },

  // Bindings: Python, Java and Go (no .NET toolchain on our machines).
  publishToPypi: {
    distName: 'cdk-ecr-registry',
    module: 'cdk_ecr_registry',
  },
  publishToMaven: {
    javaPackage: 'io.github.cdkecrregistry',
    mavenGroupId: 'io.github.cdk-ecr-registry',
    mavenArtifactId: 'cdk-ecr-registry',
  },
  publishToGo: {
    moduleName: 'github.com/cdk-ecr-registry/cdk-ecr-registry-go',
  },

  // Our CI is .ci/run; no GitHub workflows are generated.
  github: false,
  release: false,
  depsUpgrade: false,
  buildWorkflow: false,
  docgen: true,

  // What ships is an allowlist (`files`, below), not a list of exclusions that new folders slip past.
  // (jsii writes a default .npmignore when there is none; npm ignores a root .npmignore when `files` is set.)
  npmignoreEnabled: false,

  gitignore: ['cdk.out/', '.venv/', '.venv-bindings/', '.jsii.tabl.json', '.ci-work/', '/test-reports/', '*.tsbuildinfo', '/examples/**/cdk.out/', '/examples/**/target/', '/.rosetta-docs/', '/.npmignore', '/.oci-tools/'],
});

// Layers: src/private is the floor every concern stands on, so it imports nothing of the library above
// it (a concern's own helpers live in its private/ folder); src/model (the kinds) stands on it alone;
// the integrations see the image check only through the leaf IVerifiedImage; and no file takes part in
// an import cycle (import/no-cycle skips type imports: test/layering.test.ts walks the full graph).
project.eslint!.addRules({
  'import/no-restricted-paths': ['error', {
    zones: [{
      target: './src/private',
      from: './src',
      except: ['./private'],
      message: 'src/private is the shared floor and imports nothing above it: put code that needs a concern in that concern\'s private/ folder.',
    }, {
      target: './src/model',
      from: './src',
      except: ['./model', './private'],
      message: 'src/model (one descriptor per kind) is the layer the rules, the report and adoption stand on: it imports none of them.',
    }, {
      target: './src/integrations',
      from: './src/image-check',
      except: ['./verified-image.ts'],
      message: 'The integrations consume a verified image through IVerifiedImage (src/image-check/verified-image.ts) only: the image check imports them, so anything else of it would close a cycle.',
    }, {
      target: './src/image-check/verified-image.ts',
      from: './src',
      message: 'src/image-check/verified-image.ts is a leaf (the interface the integrations take): it imports nothing of the library.',
    }],
  }],
  'import/no-cycle': ['error', { ignoreExternal: true }],
});
// The cycle rule walks the import graph from every file it lints: from test/, scripts/ and bench/ (leaves that
// import much of src/) it cost 55 of the 83 s it took over the whole tree, and found nothing a cycle in src/
// would not show. So it checks the library (src/) only, as test/layering.test.ts does with type imports counted.
project.eslint!.addOverride({
  files: ['test/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts', 'examples/**/*.ts', 'projenrc/**/*.ts', '.projenrc.ts'],
  rules: { 'import/no-cycle': 'off' },
});

/** Environment for every `cdk` CLI call: no credentials, metadata service, telemetry or notices here. */
const CDK_CLI_ENV = {
  AWS_EC2_METADATA_DISABLED: 'true',
  CDK_DISABLE_CLI_TELEMETRY: 'true',
  CDK_DISABLE_VERSION_CHECK: 'true',
};

// The test task installs what the tests need (the ECR emulator) and type-checks
// src, test and examples once (jest only transpiles).
const typecheck = project.addTask('typecheck', {
  description: 'Type-check src, test, examples, scripts and bench (tsconfig.dev.json)',
  exec: 'tsc --noEmit -p tsconfig.dev.json',
});
const testDeps = project.addTask('test:deps', {
  description: 'Install the Python tools the tests use (moto[server]) into ./.venv',
  exec: 'bash scripts/python-env.sh test',
});
// The image copy tests run real OCI registries and crane, built once into .oci-tools/ (ignored).
const ociTools = project.addTask('test:oci-tools', {
  description: 'Build the OCI registries and crane the image copy tests use into ./.oci-tools (once)',
  exec: 'bash scripts/oci-tools.sh',
});
project.testTask.prependSpawn(typecheck);
project.testTask.prependSpawn(ociTools);
project.testTask.prependSpawn(testDeps);

// The main job: synthesize the example platform registry with the real cdk CLI and summarize it.
project.addTask('registry', {
  description: 'Synthesize examples/platform-registry to cdk.out with the cdk CLI and print what it made',
  env: CDK_CLI_ENV,
  steps: [
    { exec: 'cdk synth --app "tsx --tsconfig tsconfig.dev.json examples/platform-registry/app.ts" --output cdk.out --quiet --no-notices --no-version-reporting' },
    { exec: 'tsx --tsconfig tsconfig.dev.json scripts/summarize.ts cdk.out' },
  ],
});

// The image-check handler bundle (assets/image-check/image-check.lambda/index.js). @aws-sdk/client-ecr is
// bundled, not external: the SDK in the Lambda runtime may predate DescribeImages' imageStatus field, and an
// older SDK drops it, so archived images would pass the check.
//
// The bundle is built once, when the package is made, so it targets the OLDEST runtime the Lambda runtime
// policy can produce (src/private/lambda-runtime.ts OLDEST_LAMBDA_NODE_MAJOR: the newest Node.js runtime of the
// minimum aws-cdk-lib); test/private/lambda-runtime.test.ts checks that the two agree.
const HANDLER_NODE_TARGET = 'node24';
project.bundler.addBundle('src/image-check/image-check.lambda.ts', {
  platform: 'node',
  target: HANDLER_NODE_TARGET,
  externals: [],
  minify: true,
  tsconfigPath: 'tsconfig.dev.json',
});
// The organization audit's worker bundle (assets/audit/audit-worker.lambda/index.js): the live read of one registry,
// S3, Security Hub, STS and Organizations clients, and no aws-cdk-lib (test/audit/worker-bundle.test.ts holds the budget).
project.bundler.addBundle('src/audit/audit-worker.lambda.ts', {
  platform: 'node',
  target: HANDLER_NODE_TARGET,
  externals: [],
  minify: true,
  tsconfigPath: 'tsconfig.dev.json',
});
// The image copy handler bundle (assets/image-copy/image-copy.lambda/index.js): the copy engine, ECR and
// Secrets Manager clients, no aws-cdk-lib.
project.bundler.addBundle('src/image-copy/image-copy.lambda.ts', {
  platform: 'node',
  target: HANDLER_NODE_TARGET,
  externals: [],
  minify: true,
  tsconfigPath: 'tsconfig.dev.json',
});
// Construct tests need the handler bundle (assets/), which otherwise only pre-compile builds.
project.testTask.prependSpawn(project.bundler.bundleTask);

// README snippets are compiled by jsii-rosetta in strict mode (fixture: rosetta/default.ts-fixture),
// so they cannot rot; the build fails on any snippet that does not compile.
project.package.file.addOverride('jsii.metadata', { jsii: { rosetta: { strict: true } } });
project.postCompileTask.exec('jsii-rosetta extract --fail --compile .jsii');
// docs/*.md lies outside the jsii assembly: the script wraps each page in an assembly of its own and
// compiles (strict) and translates its snippets the same way (.rosetta-docs/<language>/<page>.md).
const docsSnippets = project.addTask('docs:snippets', {
  description: 'Compile (jsii-rosetta strict) and translate every TypeScript snippet of docs/*.md (after compile)',
  exec: 'tsx --tsconfig tsconfig.dev.json scripts/docs-snippets.ts',
  receiveArgs: true,
});
project.postCompileTask.spawn(docsSnippets);

// Conformance: every example checked by cdk-nag packs, EcrChecks, cfn-guard, cfn-lint and checkov.
project.addTask('conformance', {
  description: 'Synthesize every example and check it with cdk-nag (4 packs), EcrChecks, cfn-guard, cfn-lint and checkov',
  env: CDK_CLI_ENV,
  steps: [
    { spawn: 'bundle' },
    { exec: 'bash scripts/python-env.sh conformance' },
    { exec: 'tsx --tsconfig tsconfig.dev.json scripts/conformance.ts', receiveArgs: true },
  ],
});

// Benchmarks: one script printing ratios measured in one run (bench/run.ts runs every bench/*.bench.ts).
project.addTask('bench', {
  description: 'Run the benchmark suite and print a table of measured ratios',
  env: CDK_CLI_ENV,
  // What the benches need, installed on first use as the test task does (moto, the OCI tools): a fresh clone runs
  // `npm ci && npm run bench`.
  steps: [
    { spawn: 'bundle' },
    { spawn: testDeps.name },
    { spawn: ociTools.name },
    { exec: 'tsx --tsconfig tsconfig.dev.json bench/run.ts', receiveArgs: true },
  ],
});

// The npm package ships only what a user runs or reads (npm adds package.json, README.md and LICENSE, and
// the bundled dependencies under node_modules/): the compiled library, the image check's handler bundle,
// the jsii assembly and its translated examples, the fixture README snippets compile in, and API.md.
// docs/ does not ship: the README links to it with absolute URLs. scripts/package-size.ts fails the
// build on any other top-level entry.
project.package.addField('files', ['lib/**/*.js', 'lib/**/*.d.ts', 'assets/', '.jsii', '.jsii.tabl.json', 'rosetta/', 'API.md']);

/**
 * Size budget of the npm package, in bytes (scripts/package-size.ts; docs/install.md has the numbers).
 * Measured 2026-11-27: 1.71 MB packed, 8.75 MB installed, 6.19 MB of it the bundled @aws-sdk/client-ecr.
 * The report and in-use work (issues #16, #21) will bundle @aws-sdk/client-ecs, client-lambda and
 * client-sts: measured +5.40 MB installed and +0.75 MB packed as bundled dependencies (npm install of the
 * four clients vs client-ecr alone), +0.27 MB minified per handler that esbuild-bundles them. The budget
 * holds all of that plus about 1 MB of growth.
 */
// Measured 2026-12-05: 3.53 MB packed, 17.98 MB installed: the three clients as planned, the audit worker's asset
// (1.1 MB), and lib/ at 3.43 MB (model, report, image copy). Raised to hold that and about 2 MB of growth.
// Measured 2026-12-06: 4.01 MB packed, 19.59 MB installed, after the runtime policy's rework, the hardening of
// every handler, ImageCopy's referrers and platform gates: lib/ 4.31 MB (2.73 MB of it jsii's inline source maps,
// the next thing to cut), assets 2.39 MB (three handlers). Raised to hold that and about 0.5 MB / 2.4 MB of growth.
// Measured 2026-12-06, later: 3.36 MB packed, 17.98 MB installed, once lib/ stopped carrying a copy of every source
// file in its source maps (tsconfig inlineSources: false; lib/ 4.31 -> 2.71 MB). Back to 4 MB / 20 MB.
const PACKAGE_BUDGET = { packed: 4_000_000, installed: 20_000_000 };
project.addTask('package:size', {
  description: 'What the npm tarball (dist/js) ships and weighs, checked against the size budget',
  env: { PACKAGE_BUDGET_PACKED: String(PACKAGE_BUDGET.packed), PACKAGE_BUDGET_INSTALLED: String(PACKAGE_BUDGET.installed) },
  exec: 'tsx --tsconfig tsconfig.dev.json scripts/package-size.ts',
  receiveArgs: true,
});

// What test/event-ruler/match.sh builds (the event-ruler class path and the compiled matcher). Added after
// the project is created: projen's own `!/test/` include would otherwise drop it.
project.gitignore.exclude('/test/event-ruler/target/');

// Packaging cannot ship without what the library needs at run time, whatever task order built it: every
// package task bundles the handler assets first, makes the bin script executable (the bindings run it
// straight from the embedded npm tarball), checks the working tree, and checks the package it wrote.
const packagePrepare = project.addTask('package:prepare', {
  description: 'Bundle the handler assets, make the bin script executable and check that everything the package needs is there',
  steps: [
    { spawn: project.bundler.bundleTask.name },
    { exec: 'node -e "require(\'fs\').chmodSync(\'lib/cli/main.js\', 0o755)"' },
    { exec: 'python3 scripts/check-package.py sources' },
  ],
});
for (const target of ['js', 'python', 'java', 'go']) {
  const task = project.tasks.tryFind(`package:${target}`);
  if (!task) throw new Error(`projen has no package:${target} task`);
  task.prependSpawn(packagePrepare);
  if (target === 'go') {
    // jsii-pacmak's Go type checks dereference an omitted optional collection parameter (scripts/patch-go-binding.py).
    task.exec('python3 scripts/patch-go-binding.py dist/go/cdkecrregistry');
  }
  if (target === 'python') {
    // jsii's Python runtime prints the kernel's non-protocol lines (its Node.js banner) as bytes: b'...' literals.
    // The wheel's console script writes them as text (scripts/patch-python-binding.py).
    task.exec('python3 scripts/patch-python-binding.py dist/python');
  }
  task.exec(`python3 scripts/check-package.py ${target}`);
}

// Every task runs with the Node 20 banner silenced.
for (const [k, v] of Object.entries(JSII_ENV)) {
  project.tasks.addEnvironment(k, v);
}

project.synth();
