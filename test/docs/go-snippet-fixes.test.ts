/**
 * scripts/go-snippet-fixes.ts: the classes of jsii-rosetta's Go mistakes, repaired from the jsii assemblies
 * (aws-cdk-lib's and constructs' real ones; ours a small assembly written here, since `.jsii` exists only
 * after the build) and from the compiler's errors.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fixFromErrors, fixGoSnippet, goTypeIndex, GoTypeIndex } from '../../scripts/go-snippet-fixes';
import { goErrors, Written } from '../../scripts/run-snippets';

const ROOT = path.resolve(__dirname, '..', '..');
let index: GoTypeIndex;

beforeAll(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'go-snippet-fixes-'));
  const ours = path.join(dir, '.jsii');
  const struct = (name: string, props: string[]) => ({
    fqn: `cdk-ecr-registry.${name}`,
    kind: 'interface',
    datatype: true,
    name,
    properties: props.map(p => ({ name: p, type: { primitive: 'string' } })),
  });
  fs.writeFileSync(ours, JSON.stringify({
    name: 'cdk-ecr-registry',
    version: '0.0.0',
    targets: { go: { moduleName: 'github.com/cdk-ecr-registry/cdk-ecr-registry-go' } },
    types: {
      'cdk-ecr-registry.PrivateRepository': {
        fqn: 'cdk-ecr-registry.PrivateRepository',
        kind: 'class',
        name: 'PrivateRepository',
        properties: [{ name: 'access', type: { fqn: 'cdk-ecr-registry.RepositoryAccess' } }],
      },
      'cdk-ecr-registry.PrivateRepositoryProps': struct('PrivateRepositoryProps', ['repositoryName']),
      'cdk-ecr-registry.ImageCopyProps': struct('ImageCopyProps', ['source', 'destination', 'tags']),
      'cdk-ecr-registry.RegistrySourceOptions': struct('RegistrySourceOptions', ['credentials']),
      'cdk-ecr-registry.ScanningRule': struct('ScanningRule', ['frequency']),
      'cdk-ecr-registry.ScanFrequency': { fqn: 'cdk-ecr-registry.ScanFrequency', kind: 'enum', name: 'ScanFrequency', members: [] },
    },
  }));
  index = goTypeIndex([
    ours,
    path.join(ROOT, 'node_modules', 'aws-cdk-lib', '.jsii'),
    path.join(ROOT, 'node_modules', 'constructs', '.jsii'),
  ]);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('go-snippet-fixes: the Go packages and types of the assemblies', () => {
  test('modules: aws-cdk-lib root and submodules with /v2, ours without a major version suffix', () => {
    expect(index.modules.get('aws-cdk-lib')).toEqual({ importPath: 'github.com/aws/aws-cdk-go/awscdk/v2', packageName: 'awscdk' });
    expect(index.modules.get('aws-cdk-lib/aws-ecs')).toEqual({ importPath: 'github.com/aws/aws-cdk-go/awscdk/v2/awsecs', packageName: 'awsecs' });
    expect(index.modules.get('aws-cdk-lib/aws-events-targets')?.importPath).toBe('github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets');
    expect(index.modules.get('constructs')?.importPath).toBe('github.com/aws/constructs-go/constructs/v10');
    expect(index.modules.get('cdk-ecr-registry')?.importPath).toBe('github.com/cdk-ecr-registry/cdk-ecr-registry-go/cdkecrregistry');
  });

  test('a nested type is Parent_Child in its submodule\'s package; a datatype interface is a struct', () => {
    const auto = index.types.get('AutoDeploymentProperty')!.find(t => t.parent === 'CfnStackSet' && t.packageName === 'awscdk');
    expect(auto).toMatchObject({ goName: 'CfnStackSet_AutoDeploymentProperty', kind: 'struct' });
    expect(index.types.get('ContainerDefinitionOptions')).toContainEqual(expect.objectContaining({ packageName: 'awsecs', kind: 'struct' }));
    expect(index.getters.has('Access')).toBe(true);
  });
});

describe('go-snippet-fixes: repairs before compiling', () => {
  // rosetta 6.0.17's translation of docs/image-copy.md:62, as it writes it
  const typescript = [
    "import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';",
    "import { ImageCopy, ImageCopySource, PrivateRepository } from 'cdk-ecr-registry';",
    '',
    "const repository = new PrivateRepository(this, 'Payments', { repositoryName: 'payments/api' });",
    "const credentials = secretsmanager.Secret.fromSecretNameV2(this, 'GhcrToken', 'registry/ghcr');",
  ].join('\n');
  const rosetta = [
    'import secretsmanager "github.com/aws/aws-cdk-go/awscdk"',
    'import "github.com/cdk-ecr-registry/cdk-ecr-registry-go/cdkecrregistry"',
    '',
    'repository := cdkecrregistry.NewPrivateRepository(this, jsii.String("Payments"), &PrivateRepositoryProps{',
    '\tRepositoryName: jsii.String("payments/api"),',
    '})',
    'credentials := secretsmanager.Secret_FromSecretNameV2(this, jsii.String("GhcrToken"), jsii.String("registry/ghcr"))',
    'cdkecrregistry.NewImageCopy(this, jsii.String("Promote"), &ImageCopyProps{',
    '\tSource: *cdkecrregistry.ImageCopySource_FromRegistry(jsii.String("ghcr.io/acme/payments:1.4.2"), &RegistrySourceOptions{',
    '\t\tCredentials: *Credentials,',
    '\t}),',
    '\tDestination: repository,',
    '\tTags: []*string{',
    '\t\tjsii.String("1.4.2"),',
    '\t},',
    '})',
  ].join('\n');

  test('imports from the TypeScript imports, qualified structs, pointers to slices, no dereferences, shorthand properties', () => {
    const fixed = fixGoSnippet(rosetta, typescript, index);
    expect(fixed.source.split('\n')).toEqual([
      'import secretsmanager "github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"',
      'import "github.com/cdk-ecr-registry/cdk-ecr-registry-go/cdkecrregistry"',
      '',
      'repository := cdkecrregistry.NewPrivateRepository(this, jsii.String("Payments"), &cdkecrregistry.PrivateRepositoryProps{',
      '\tRepositoryName: jsii.String("payments/api"),',
      '})',
      'credentials := secretsmanager.Secret_FromSecretNameV2(this, jsii.String("GhcrToken"), jsii.String("registry/ghcr"))',
      'cdkecrregistry.NewImageCopy(this, jsii.String("Promote"), &cdkecrregistry.ImageCopyProps{',
      '\tSource: cdkecrregistry.ImageCopySource_FromRegistry(jsii.String("ghcr.io/acme/payments:1.4.2"), &cdkecrregistry.RegistrySourceOptions{',
      '\t\tCredentials: credentials,',
      '\t}),',
      '\tDestination: repository,',
      '\tTags: &[]*string{',
      '\t\tjsii.String("1.4.2"),',
      '\t},',
      '})',
    ]);
    expect(fixed.fixes).toMatchObject({ 'unqualified type': 3, 'slice to pointer': 1, 'dereference of a value': 1, 'shorthand property': 1 });
  });

  test('slices of structs hold pointers; an enum is a value; a type only qualified types need is imported', () => {
    const fixed = fixGoSnippet([
      'rules := []ScanningRule{',
      '\t&ScanningRule{',
      '\t\tFrequency: *cdkecrregistry.ScanFrequency_SCAN_ON_PUSH,',
      '\t},',
      '}',
      'options := &ContainerDefinitionOptions{',
      '\tMemoryLimitMiB: jsii.Number(512),',
      '}',
      'd := awscdk.Duration_*Days(jsii.Number(7))',
      'ok := jsii.Boolean(true)',
    ].join('\n'), "import { Duration } from 'aws-cdk-lib';\nimport { ScanFrequency } from 'cdk-ecr-registry';", index);
    expect(fixed.source.split('\n')).toEqual([
      'import "github.com/aws/aws-cdk-go/awscdk/v2"',
      'import "github.com/cdk-ecr-registry/cdk-ecr-registry-go/cdkecrregistry"',
      'import "github.com/aws/aws-cdk-go/awscdk/v2/awsecs"',
      'rules := &[]*cdkecrregistry.ScanningRule{',
      '\t&cdkecrregistry.ScanningRule{',
      '\t\tFrequency: cdkecrregistry.ScanFrequency_SCAN_ON_PUSH,',
      '\t},',
      '}',
      'options := &awsecs.ContainerDefinitionOptions{',
      '\tMemoryLimitMiB: jsii.Number(512),',
      '}',
      'd := awscdk.Duration_Days(jsii.Number(7))',
      'ok := jsii.Bool(true)',
    ]);
  });

  test('member names exported, getters called, template literals as *string; strings and comments untouched', () => {
    const fixed = fixGoSnippet([
      'access := repo.access // repo.access here',
      'cluster.addManifest(jsii.String("a.b"), cdkecrregistry.EksImageAccess_container(nil, nil))',
      'image := ecs.ContainerImage_FromRegistry(fmt.Sprintf("%v:1.27", nginx))',
      'settings := &AppProps{ Outdir: jsii.String(Outdir) }',
    ].join('\n'), "import * as ecs from 'aws-cdk-lib/aws-ecs';\nimport { EksImageAccess } from 'cdk-ecr-registry';", index);
    expect(fixed.source.split('\n')).toEqual([
      'import ecs "github.com/aws/aws-cdk-go/awscdk/v2/awsecs"',
      'import "github.com/cdk-ecr-registry/cdk-ecr-registry-go/cdkecrregistry"',
      'import "fmt"',
      'import awscdk "github.com/aws/aws-cdk-go/awscdk/v2"',
      'access := repo.Access() // repo.access here',
      'cluster.AddManifest(jsii.String("a.b"), cdkecrregistry.EksImageAccess_Container(nil, nil))',
      'image := ecs.ContainerImage_FromRegistry(jsii.String(fmt.Sprintf("%v:1.27", *nginx)))',
      'settings := &awscdk.AppProps{ Outdir: outdir }',
    ]);
  });

  test('a name both classes and structs have is a getter call where the receiver is a class instance (a method\'s result)', () => {
    const fixed = fixGoSnippet([
      'template := app.Synth().GetStackByName(jsii.String("Registry")).Template',
      'props := &StackProps{}',
      'env := props.Env',
    ].join('\n'), "import { App, StackProps } from 'aws-cdk-lib';", index);
    expect(fixed.source.split('\n').slice(1)).toEqual([
      'template := app.Synth().GetStackByName(jsii.String("Registry")).Template()',
      'props := &awscdk.StackProps{}',
      'env := props.Env',
    ]);
  });

  test('a TypeScript import no assembly knows is an error naming it', () => {
    expect(() => fixGoSnippet('x := 1', "import * as nope from 'not-a-jsii-module';", index)).toThrow(/no Go package for the TypeScript import 'not-a-jsii-module'/);
  });
});

describe('go-snippet-fixes: repairs from the compiler\'s errors', () => {
  test('omitted optional parameters are nil, in the call the error names (not an inner call)', () => {
    const text = '\tstack := awscdk.NewStack(awscdk.NewApp(), jsii.String("Registry"))\n\tx := f(g(1),\n\t\tjsii.String("a"))';
    const r = fixFromErrors(text, [
      {
        line: 1,
        column: 47,
        message: 'not enough arguments in call to awscdk.NewStack',
        detail: 'not enough arguments in call to awscdk.NewStack\nhave (awscdk.App, *string)\nwant (constructs.Construct, *string, *awscdk.StackProps)',
      },
      {
        line: 1,
        column: 41,
        message: 'not enough arguments in call to awscdk.NewApp',
        detail: 'not enough arguments in call to awscdk.NewApp\nhave ()\nwant (*awscdk.AppProps)',
      },
      {
        line: 2,
        column: 7,
        message: 'not enough arguments in call to f',
        detail: 'not enough arguments in call to f\nhave (int, *string)\nwant (int, *string, *X, *Y)',
      },
    ]);
    expect(r.text).toBe('\tstack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Registry"), nil)\n\tx := f(g(1),\n\t\tjsii.String("a"), nil, nil)');
    expect(r.fixes).toEqual({ 'nil for an omitted optional parameter': 3 });
  });

  test('getters read without a call, literals where a pointer is taken, enum members called, expression statements', () => {
    const text = [
      '\taccess := repo.Access',
      '\taccess.GrantPull(role)',
      '\tcluster.AddManifest(id, map[string]interface{}{',
      '\t_ = cdkecrregistry.Level_PUSH()',
      '\treport.Violations',
      '\tuse(api.RepositoryUri)',
    ].join('\n');
    const r = fixFromErrors(text, [
      { line: 2, column: 9, message: 'access.GrantPull undefined (type func() cdkecrregistry.RepositoryAccess has no field or method GrantPull)' },
      { line: 3, column: 26, message: 'cannot use map[string]interface{}{…} (value of type map[string]interface{}) as *map[string]interface{} value in argument to cluster.AddManifest' },
      { line: 4, column: 6, message: 'invalid operation: cannot call non-function cdkecrregistry.Level_PUSH (variable of enum type)' },
      { line: 5, column: 2, message: 'report.Violations (variable of type *[]*awscdk.PolicyViolation) is not used' },
      { line: 6, column: 6, message: 'cannot use api.RepositoryUri (value of type func() *string) as *string value in argument to use' },
    ]);
    expect(r.text.split('\n')).toEqual([
      '\taccess := repo.Access()',
      '\taccess.GrantPull(role)',
      '\tcluster.AddManifest(id, &map[string]interface{}{',
      '\t_ = cdkecrregistry.Level_PUSH',
      '\t_ = report.Violations',
      '\tuse(api.RepositoryUri())',
    ]);
  });

  test('an error no repair covers is left as it is (the report names it)', () => {
    const r = fixFromErrors('\tx := undefinedThing()', [{ line: 1, column: 7, message: 'undefined: undefinedThing' }]);
    expect(r).toEqual({ text: '\tx := undefinedThing()', fixes: {} });
  });
});

describe('run-snippets: Go errors with their columns and the have/want lines after them', () => {
  test('a deliberately broken snippet is named by its file; the detail lines belong to its error', () => {
    const w: Written = {
      text: 'package x\n',
      firstLine: 1,
      lineCount: 1,
      name: 'docs_registry_l7/main.go',
      language: 'Go',
      snippet: { file: 'docs/registry.md', line: 7, fixture: 'app' },
    };
    const errors = goErrors([
      '# cdkecrregistry.example/snippets/docs_registry_l7',
      'docs_registry_l7/main.go:24:47: not enough arguments in call to awscdk.NewStack',
      '\thave (awscdk.App, *string)',
      '\twant (constructs.Construct, *string, *awscdk.StackProps)',
      './docs_registry_l7/main.go:30:2: undefined: Nope',
      'other_l1/main.go:1:1: not ours',
    ].join('\n'), [w]);
    expect(errors.get(w)).toEqual([
      {
        line: 24,
        column: 47,
        message: 'not enough arguments in call to awscdk.NewStack',
        detail: 'not enough arguments in call to awscdk.NewStack\nhave (awscdk.App, *string)\nwant (constructs.Construct, *string, *awscdk.StackProps)',
      },
      { line: 30, column: 2, message: 'undefined: Nope', detail: 'undefined: Nope' },
    ]);
  });
});
