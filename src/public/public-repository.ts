import * as fs from 'fs';
import * as path from 'path';
import { Annotations, CustomResource, Duration, Lazy, RemovalPolicy, Resource, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { CheckContext, contextOf } from '../private/context';
import { pathOf, Violations } from '../private/errors';
import { checkLambdaRuntime, lambdaRuntime } from '../private/lambda-runtime';
import { PUBLIC_CATALOG_HANDLER_SOURCE } from './private/catalog-handler-source';
import { isUnresolved } from '../private/tokens';
import { checkEnum, checkLength, checkPattern } from '../private/validation';

/** The ECR Public API pattern for repository names (2-205 characters). */
const PUBLIC_REPOSITORY_NAME = /^(?=.{2,205}$)(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/** The only region of ECR Public. */
const PUBLIC_REGION = 'us-east-1';

/**
 * An architecture badge of the Amazon ECR Public Gallery.
 *
 * The four constants are the values the gallery shows as badges and search filters;
 * `of()` accepts any other tag (1-50 characters), which ECR stores but the gallery does not show.
 */
export class PublicRepositoryArchitecture {
  /** 32-bit Arm. */
  public static readonly ARM = new PublicRepositoryArchitecture('ARM');
  /** 64-bit Arm. */
  public static readonly ARM_64 = new PublicRepositoryArchitecture('ARM 64');
  /** 32-bit x86. */
  public static readonly X86 = new PublicRepositoryArchitecture('x86');
  /** 64-bit x86. */
  public static readonly X86_64 = new PublicRepositoryArchitecture('x86-64');

  /** Any other architecture tag (not shown as a gallery badge). */
  public static of(name: string): PublicRepositoryArchitecture {
    return new PublicRepositoryArchitecture(name);
  }

  /** The value rendered into the catalog data. */
  public readonly name: string;

  private constructor(name: string) {
    this.name = name;
  }
}

/**
 * An operating system badge of the Amazon ECR Public Gallery.
 *
 * The constants are the values the gallery shows; `of()` accepts any other tag.
 */
export class PublicRepositoryOperatingSystem {
  /** Linux. */
  public static readonly LINUX = new PublicRepositoryOperatingSystem('Linux');
  /** Windows. */
  public static readonly WINDOWS = new PublicRepositoryOperatingSystem('Windows');

  /** Any other operating system tag (not shown as a gallery badge). */
  public static of(name: string): PublicRepositoryOperatingSystem {
    return new PublicRepositoryOperatingSystem(name);
  }

  /** The value rendered into the catalog data. */
  public readonly name: string;

  private constructor(name: string) {
    this.name = name;
  }
}

/**
 * Properties of a `PublicRepository`.
 */
export interface PublicRepositoryProps {
  /**
   * Name of the repository: 2-205 characters, lowercase letters and digits separated by
   * single `.`, `_` or `-`, with optional `/` namespaces.
   *
   * @default - CloudFormation generates a name
   */
  readonly repositoryName?: string;

  /**
   * Short description shown in search results of the gallery (up to 1,024 characters).
   *
   * @default - none
   */
  readonly description?: string;

  /**
   * Markdown "About" text of the gallery page (up to 10,240 characters).
   *
   * @default - none
   */
  readonly aboutText?: string;

  /**
   * Markdown "Usage" text of the gallery page (up to 10,240 characters).
   *
   * @default - none
   */
  readonly usageText?: string;

  /**
   * Architectures the images run on (up to 50, no duplicates).
   *
   * @default - none
   */
  readonly architectures?: PublicRepositoryArchitecture[];

  /**
   * Operating systems the images run on (up to 50, no duplicates).
   *
   * @default - none
   */
  readonly operatingSystems?: PublicRepositoryOperatingSystem[];

  /**
   * Path of a logo image file: `.png`, `.jpg` or `.jpeg` (checked by extension and content),
   * at most 512,000 bytes (the ECR Public API limit of `logoImageBlob`).
   *
   * CloudFormation's catalog data has no logo property, so the logo (with the rest of the
   * catalog data) is set by a small custom resource calling `ecr-public:PutRepositoryCatalogData`
   * (one inline Lambda function per stack). The gallery shows logos of verified accounts only.
   *
   * @default - no logo, no custom resource
   */
  readonly logoImagePath?: string;

  /**
   * Tags, added to the default tag `visibility=public` (Security Hub ECR.4 requires public
   * repositories to be tagged). Set `visibility` yourself to change its value.
   *
   * @default { visibility: 'public' }
   */
  readonly tags?: { [key: string]: string };

  /**
   * What happens to the repository when it leaves the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** What `grantPush` allows on the repository (`docker push`). */
const PUSH_ACTIONS = [
  'ecr-public:BatchCheckLayerAvailability',
  'ecr-public:InitiateLayerUpload',
  'ecr-public:UploadLayerPart',
  'ecr-public:CompleteLayerUpload',
  'ecr-public:PutImage',
];

/** What `grantPush` adds to the principal's identity policy for `docker login` (`Resource: *`). */
const AUTHORIZATION_ACTIONS = ['ecr-public:GetAuthorizationToken', 'sts:GetServiceBearerToken'];

/**
 * An Amazon ECR Public repository, owned by this app (`PublicRepository`) or imported by its name
 * (`PublicRepository.fromRepositoryName`).
 */
export interface IPublicRepository extends iam.IResourceWithPolicy {
  /**
   * The name of the repository.
   *
   * @attribute
   */
  readonly repositoryName: string;

  /**
   * The ARN of the repository (`arn:aws:ecr-public::<account>:repository/<name>`).
   *
   * @attribute
   */
  readonly repositoryArn: string;

  /**
   * Allow a principal to push images (`PublicRepository.PUSH_ACTIONS` on this repository, and
   * `PublicRepository.AUTHORIZATION_ACTIONS` in its identity policy).
   */
  grantPush(grantee: iam.IGrantable): iam.Grant;
}

/**
 * What every public repository offers, owned or imported: its name, ARN and the push grant.
 */
export abstract class PublicRepositoryBase extends Resource implements IPublicRepository {
  /** The name of the repository. */
  public abstract readonly repositoryName: string;

  /** The ARN of the repository. */
  public abstract readonly repositoryArn: string;

  /**
   * Add a statement to the repository policy (an imported repository's policy cannot be changed:
   * nothing is added, and a warning says so).
   */
  public abstract addToResourcePolicy(statement: iam.PolicyStatement): iam.AddToResourcePolicyResult;

  /**
   * Allow a principal to push images (`PUSH_ACTIONS` on this repository, and
   * `AUTHORIZATION_ACTIONS` in its identity policy).
   *
   * Same account: identity policy only. Another account: the repository policy names the
   * principal (no `Resource` element); that account grants its own identity policy. An imported
   * repository's policy cannot be changed: such a grant adds nothing to it, with a warning.
   */
  public grantPush(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipalOrResource({
      grantee,
      actions: PUSH_ACTIONS,
      resourceArns: [this.repositoryArn],
      resourceSelfArns: [],
      resource: this,
    });
    iam.Grant.addToPrincipal({ grantee, actions: AUTHORIZATION_ACTIONS, resourceArns: ['*'] });
    return grant;
  }
}

/**
 * An Amazon ECR Public repository (`AWS::ECR::PublicRepository`) with typed catalog data,
 * a default tag (Security Hub ECR.4), push grants and `RETAIN`. The L1 is `node.defaultChild`.
 *
 * ECR Public exists only in us-east-1: a stack with another concrete region fails at
 * synth; an environment-agnostic stack gets a warning. Pull is public by nature.
 */
export class PublicRepository extends PublicRepositoryBase {
  /** What `grantPush` allows on the repository (`docker push`). */
  public static readonly PUSH_ACTIONS: string[] = [...PUSH_ACTIONS];

  /** What `grantPush` adds to the principal's identity policy for `docker login` (`Resource: *`). */
  public static readonly AUTHORIZATION_ACTIONS: string[] = [...AUTHORIZATION_ACTIONS];

  /** Key of the default tag. */
  public static readonly DEFAULT_TAG_KEY = 'visibility';

  /** Value of the default tag. */
  public static readonly DEFAULT_TAG_VALUE = 'public';

  /** Largest logo, in bytes (ECR Public API limit of `logoImageBlob`). */
  public static readonly MAX_LOGO_BYTES = 512000;

  /**
   * A public repository of this stack's account that exists already, by its name, to grant pushes
   * to it. Its repository policy cannot be changed from here.
   *
   * @param repositoryName the repository name (2-205 characters, see `PublicRepositoryProps.repositoryName`)
   */
  public static fromRepositoryName(scope: Construct, id: string, repositoryName: string): IPublicRepository {
    const v = new Violations(pathOf(scope, id));
    checkRepositoryName(v, repositoryName);
    v.throwIfAny();
    class Import extends PublicRepositoryBase {
      public readonly repositoryName = repositoryName;
      public readonly repositoryArn = Stack.of(scope).formatArn({
        service: 'ecr-public', region: '', resource: 'repository', resourceName: repositoryName,
      });
      public addToResourcePolicy(_statement: iam.PolicyStatement): iam.AddToResourcePolicyResult {
        Annotations.of(this).addWarningV2('cdk-ecr-registry:importedPublicRepositoryPolicy',
          `the repository policy of the imported public repository ${repositoryName} cannot be changed from this stack, so a statement was not added (a grant to a principal of another account needs it): add it in the stack that owns the repository.`);
        return { statementAdded: false };
      }
    }
    return new Import(scope, id);
  }

  /**
   * Collect every violation of the props (nothing is created); the constructor calls it, then throws once.
   * @returns the logo image, when one is given and readable
   * @internal
   */
  public static _collect(v: Violations, props: PublicRepositoryProps, context: CheckContext): Buffer | undefined {
    const region = context.region;
    if (region !== undefined && !isUnresolved(region) && region !== PUBLIC_REGION) {
      v.add('region', region, 'ECR Public repositories exist only in us-east-1: define this construct in a stack with env.region us-east-1');
    }

    checkRepositoryName(v, props.repositoryName);
    checkEnum(v, 'removalPolicy', props.removalPolicy, RemovalPolicy, 'RemovalPolicy');
    checkLength(v, 'description', props.description, 0, 1024);
    checkLength(v, 'aboutText', props.aboutText, 0, 10240);
    checkLength(v, 'usageText', props.usageText, 0, 10240);
    checkTags(v, 'architectures', props.architectures?.map(a => a.name));
    checkTags(v, 'operatingSystems', props.operatingSystems?.map(o => o.name));

    for (const [key, value] of Object.entries(props.tags ?? {})) {
      if (isUnresolved(key) || isUnresolved(value)) {
        continue;
      }
      v.check(key.length >= 1 && key.length <= 127 && !key.toLowerCase().startsWith('aws:'), `tags[${JSON.stringify(key)}]`, key,
        'tag keys are 1-127 characters and do not start with "aws:"');
      v.check(value.length >= 1 && value.length <= 255, `tags[${JSON.stringify(key)}]`, value, 'tag values are 1-255 characters');
    }

    if (props.logoImagePath === undefined) {
      return undefined;
    }
    // A logo needs the catalog handler function.
    if (context.scope) {
      checkLambdaRuntime(v, context.scope);
    }
    return readLogo(v, props.logoImagePath);
  }

  /** The name of the repository. */
  public readonly repositoryName: string;

  /** The ARN of the repository (`arn:aws:ecr-public::<account>:repository/<name>`). */
  public readonly repositoryArn: string;

  private readonly resource: ecr.CfnPublicRepository;
  private policy?: iam.PolicyDocument;

  constructor(scope: Construct, id: string, props: PublicRepositoryProps = {}) {
    const v = new Violations(pathOf(scope, id));
    const logo = PublicRepository._collect(v, props, contextOf(scope));
    v.throwIfAny();
    super(scope, id, { physicalName: props.repositoryName });

    const catalogData = renderCatalogData(props);
    const tags = { [PublicRepository.DEFAULT_TAG_KEY]: PublicRepository.DEFAULT_TAG_VALUE, ...props.tags };

    this.resource = new ecr.CfnPublicRepository(this, 'Resource', {
      repositoryName: this.physicalName,
      repositoryCatalogData: catalogData,
      repositoryPolicyText: Lazy.any({ produce: () => this.policy?.isEmpty === false ? this.policy : undefined }),
      tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
    });
    this.resource.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);

    this.repositoryName = this.getResourceNameAttribute(this.resource.ref);
    this.repositoryArn = this.getResourceArnAttribute(this.resource.attrArn, {
      service: 'ecr-public',
      region: '',
      resource: 'repository',
      resourceName: this.physicalName,
    });

    if (isUnresolved(Stack.of(this).region)) {
      Annotations.of(this).addWarningV2('cdk-ecr-registry:publicRepositoryRegion',
        'ECR Public repositories exist only in us-east-1, and this stack is environment-agnostic: deploy it to us-east-1 (env.region).');
    }

    if (logo) {
      this.addCatalogResource(catalogData, logo);
      const inline = Math.ceil(logo.length / 3) * 4;
      inlineLogos(Stack.of(this)).push({ path: this.node.path, file: props.logoImagePath!, bytes: logo.length, inline });
    }
  }

  /**
   * Add a statement to the repository policy.
   */
  public addToResourcePolicy(statement: iam.PolicyStatement): iam.AddToResourcePolicyResult {
    if (!this.policy) {
      this.policy = new iam.PolicyDocument();
    }
    this.policy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.policy };
  }

  private addCatalogResource(catalogData: Record<string, unknown> | undefined, logo: Buffer): void {
    const handler = CatalogHandler.of(Stack.of(this));
    const permission = handler.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ecr-public:PutRepositoryCatalogData'],
      resources: [this.repositoryArn],
    }));
    const catalog = new CustomResource(this, 'CatalogData', {
      serviceToken: handler.function.functionArn,
      resourceType: 'Custom::EcrPublicCatalogData',
      properties: {
        RepositoryName: this.repositoryName,
        CatalogData: catalogData ?? {},
        LogoImageBlob: logo.toString('base64'),
      },
    });
    if (permission.policyDependable) {
      catalog.node.addDependency(permission.policyDependable);
    }
  }
}

/** CloudFormation's limit on a template's size (a template uploaded through S3), as this library counts it. */
export const MAX_TEMPLATE_BYTES = 1_000_000;

interface InlineLogo {
  readonly path: string;
  readonly file: string;
  readonly bytes: number;
  readonly inline: number;
}

const LOGOS = new WeakMap<Stack, InlineLogo[]>();

/**
 * The logos inlined (base64) into a stack's template. The first one adds a validation to the stack
 * that measures the template as the CDK writes it and fails when the logos push it past
 * `MAX_TEMPLATE_BYTES`, naming each logo and its size.
 */
function inlineLogos(stack: Stack): InlineLogo[] {
  let logos = LOGOS.get(stack);
  if (!logos) {
    const list: InlineLogo[] = [];
    logos = list;
    LOGOS.set(stack, list);
    stack.node.addValidation({
      validate: () => {
        // The CDK writes templates as JSON with one space of indentation.
        const template = stack.resolve((stack as any)._toCloudFormation());
        const size = Buffer.byteLength(JSON.stringify(template, undefined, 1));
        if (size <= MAX_TEMPLATE_BYTES) {
          return [];
        }
        const total = list.reduce((sum, l) => sum + l.inline, 0);
        const v = new Violations(stack.node.path);
        for (const logo of list) {
          v.add(`${logo.path} logoImagePath`, logo.file,
            `the logo is ${logo.bytes} bytes (${logo.inline} bytes inline as base64); the inline logos (${total} bytes) make this stack's template `
            + `${size} bytes, past CloudFormation's ${MAX_TEMPLATE_BYTES}-byte limit: use smaller logos, or put the public repositories with logos in separate stacks`);
        }
        return v.messages();
      },
    });
  }
  return logos;
}

/** One inline function per stack that writes catalog data with a logo. */
class CatalogHandler extends Construct {
  public static of(stack: Stack): CatalogHandler {
    const id = 'CdkEcrRegistryPublicCatalogHandler';
    return (stack.node.tryFindChild(id) as CatalogHandler | undefined) ?? new CatalogHandler(stack, id);
  }

  public readonly role: iam.Role;
  public readonly function: lambda.Function;

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'cdk-ecr-registry: sets ECR Public catalog data with a logo',
    });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }));
    this.function = new lambda.Function(this, 'Function', {
      runtime: lambdaRuntime(this),
      handler: 'index.handler',
      code: lambda.Code.fromInline(PUBLIC_CATALOG_HANDLER_SOURCE),
      timeout: Duration.minutes(1),
      memorySize: 256,
      role: this.role,
      logGroup,
      description: 'cdk-ecr-registry: sets ECR Public catalog data with a logo (PutRepositoryCatalogData)',
    });
  }
}

function renderCatalogData(props: PublicRepositoryProps): Record<string, unknown> | undefined {
  const data: Record<string, unknown> = {
    RepositoryDescription: props.description,
    AboutText: props.aboutText,
    UsageText: props.usageText,
    Architectures: props.architectures?.map(a => a.name),
    OperatingSystems: props.operatingSystems?.map(o => o.name),
  };
  for (const key of Object.keys(data)) {
    if (data[key] === undefined) {
      delete data[key];
    }
  }
  return Object.keys(data).length > 0 ? data : undefined;
}

function checkRepositoryName(v: Violations, name: string | undefined): void {
  checkPattern(v, 'repositoryName', name, PUBLIC_REPOSITORY_NAME,
    `must be 2-205 characters: lowercase letters and digits separated by single '.', '_' or '-', with optional '/' namespaces (pattern ${PUBLIC_REPOSITORY_NAME.source})`);
}

function checkTags(v: Violations, property: string, names: string[] | undefined): void {
  if (names === undefined) {
    return;
  }
  v.check(names.length <= 50, property, names, `must have at most 50 entries (got ${names.length})`);
  const seen = new Set<string>();
  for (const [i, name] of names.entries()) {
    if (isUnresolved(name)) {
      continue;
    }
    checkLength(v, `${property}[${i}]`, name, 1, 50);
    v.check(!seen.has(name), `${property}[${i}]`, name, 'is listed twice');
    seen.add(name);
  }
}

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPEG_MAGIC = Buffer.from([0xff, 0xd8, 0xff]);

function readLogo(v: Violations, file: string): Buffer | undefined {
  const ext = path.extname(file).toLowerCase();
  if (!['.png', '.jpg', '.jpeg'].includes(ext)) {
    v.add('logoImagePath', file, 'must be a .png, .jpg or .jpeg file');
    return undefined;
  }
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    v.add('logoImagePath', file, 'file not found');
    return undefined;
  }
  if (!stat.isFile()) {
    v.add('logoImagePath', file, 'is not a file');
    return undefined;
  }
  if (stat.size > PublicRepository.MAX_LOGO_BYTES) {
    v.add('logoImagePath', file, `must be at most ${PublicRepository.MAX_LOGO_BYTES} bytes, the ECR Public logo limit (got ${stat.size})`);
    return undefined;
  }
  const data = fs.readFileSync(file);
  const magic = ext === '.png' ? PNG_MAGIC : JPEG_MAGIC;
  if (data.length < magic.length || !data.subarray(0, magic.length).equals(magic)) {
    v.add('logoImagePath', file, `the content is not a ${ext === '.png' ? 'PNG' : 'JPEG'} image (its first bytes do not match the ${ext} signature)`);
    return undefined;
  }
  return data;
}
