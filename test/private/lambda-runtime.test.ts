import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { EcrValidationError, ImageCheck, ImageCopy, ImageCopySource, ImageReference, PrivateRepository, PublicRepository, RegistryAudit } from '../../src';
import {
  LAMBDA_RUNTIME_CONTEXT, lambdaRuntime, newestNodeRuntime, nodeMajorOf, OLDEST_LAMBDA_NODE_MAJOR,
} from '../../src/private/lambda-runtime';
import { caught } from '../helpers/errors';
import { newStack } from '../helpers/synth';

/**
 * One Lambda runtime policy (src/private/lambda-runtime.ts) for every function the library creates.
 */

const ROOT = path.join(__dirname, '..', '..');
const LOGO_PNG = path.join(__dirname, '..', 'public', 'fixtures', 'logo.png');

/**
 * Every construct of the library that creates a Lambda function, each in a stack of its own app
 * (`context` set on the app). The source scan below fails when a file creates a function that is not here.
 */
const CREATORS: Record<string, { file: string; make: (stack: Stack) => void }> = {
  'ImageCheck (image check provider)': {
    file: 'src/image-check/private/provider.ts',
    make: stack => {
      const repo = new PrivateRepository(stack, 'Repo', { repositoryName: 'platform/base' });
      new ImageCheck(stack, 'Check', { images: [ImageReference.fromTag(repo, 'v1')] });
    },
  },
  'ImageCopy (image copy provider)': {
    file: 'src/image-copy/private/provider.ts',
    make: stack => new ImageCopy(stack, 'Copy', { source: ImageCopySource.fromRegistry('nginx:1.27'), destination: new PrivateRepository(stack, 'Repo') }),
  },
  'RegistryAudit (organization audit worker)': {
    file: 'src/audit/registry-audit.ts',
    make: stack => new RegistryAudit(stack, 'Audit', { regions: ['us-east-1'] }),
  },
  'PublicRepository with a logo (catalog handler)': {
    file: 'src/public/public-repository.ts',
    make: stack => new PublicRepository(stack, 'Public', { repositoryName: 'tools/cli', logoImagePath: LOGO_PNG }),
  },
};

function stackWith(make: (stack: Stack) => void, context?: Record<string, unknown>): Stack {
  const stack = newStack({}, new App({ context }));
  make(stack);
  return stack;
}

function runtimesOf(stack: Stack): string[] {
  return Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')).map((r: any) => r.Properties.Runtime);
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap(e => {
    const rel = `${dir}/${e.name}`;
    return e.isDirectory() ? sourceFiles(rel) : rel.endsWith('.ts') && !rel.endsWith('.lambda.ts') ? [rel] : [];
  });
}

describe('the runtime policy', () => {
  test('default: the newest Node.js runtime the installed aws-cdk-lib knows', () => {
    const newest = newestNodeRuntime();
    expect(newest.family).toBe(lambda.RuntimeFamily.NODEJS);
    const majors = lambda.Runtime.ALL.map(r => nodeMajorOf(r.name) ?? 0);
    expect(nodeMajorOf(newest.name)).toBe(Math.max(...majors));
    expect(lambdaRuntime(newStack()).name).toBe(newest.name);
  });

  test(`the oldest runtime it produces (Node.js ${OLDEST_LAMBDA_NODE_MAJOR}) is the newest of the minimum aws-cdk-lib`, () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const floor = String(pkg.peerDependencies['aws-cdk-lib']).replace(/^\^/, '');
    const installed = JSON.parse(fs.readFileSync(require.resolve('aws-cdk-lib/package.json'), 'utf8')).version;
    const newest = nodeMajorOf(newestNodeRuntime().name)!;
    // CI runs the suite on the minimum (devDependency pinned to the floor) and on the newest aws-cdk-lib.
    if (installed === floor) {
      expect(newest).toBe(OLDEST_LAMBDA_NODE_MAJOR);
    } else {
      expect(newest).toBeGreaterThanOrEqual(OLDEST_LAMBDA_NODE_MAJOR);
    }
    expect(pkg.devDependencies['aws-cdk-lib']).toBe(floor);
  });

  test(`every handler bundle targets Node.js ${OLDEST_LAMBDA_NODE_MAJOR} (esbuild target of each bundle task, .projen/tasks.json)`, () => {
    const tasks = JSON.parse(fs.readFileSync(path.join(ROOT, '.projen', 'tasks.json'), 'utf8')).tasks;
    const bundles = Object.entries<any>(tasks).filter(([name]) => name.startsWith('bundle:') && !name.endsWith(':watch'));
    expect(bundles.length).toBeGreaterThan(0);
    for (const [name, task] of bundles) {
      const targets = (task.steps as any[]).flatMap(s => [...[s.exec ?? '', ...(s.execArgs ?? [])].join(' ').matchAll(/--target=(\S+)/g)].map(m => m[1]));
      expect({ name, targets }).toEqual({ name, targets: [`node${OLDEST_LAMBDA_NODE_MAJOR}`] });
    }
  });

  test('the context key sets the runtime of every function the library creates', () => {
    for (const [name, c] of Object.entries(CREATORS)) {
      for (const runtime of [`nodejs${OLDEST_LAMBDA_NODE_MAJOR}.x`, 'nodejs28.x']) {
        expect({ name, runtimes: runtimesOf(stackWith(c.make, { [LAMBDA_RUNTIME_CONTEXT]: runtime })) }).toEqual({ name, runtimes: [runtime] });
      }
    }
  });

  test.each<[unknown, string]>([
    ['nodejs22.x', 'an older runtime than the handlers are built for'],
    ['python3.13', 'another family'],
    [24, 'not a string'],
    ['nodejs24', 'not a runtime name'],
  ])('context %p (%s) fails once, naming the path, the key, the value and what is allowed; nothing is created', (value: unknown) => {
    for (const [name, c] of Object.entries(CREATORS)) {
      const stack = newStack({}, new App({ context: { [LAMBDA_RUNTIME_CONTEXT]: value } }));
      const e = caught(() => c.make(stack));
      expect(EcrValidationError.isEcrValidationError(e)).toBe(true);
      const message = (e as Error).message;
      expect({ name, message }).toEqual({ name, message: expect.stringMatching(new RegExp(`^TestStack/\\w+: invalid context ${LAMBDA_RUNTIME_CONTEXT} ${JSON.stringify(JSON.stringify(value)).slice(1, -1)}: must be a Node\\.js Lambda runtime name nodejs<N>\\.x with N >= ${OLDEST_LAMBDA_NODE_MAJOR}`)) });
      expect(runtimesOf(stack)).toEqual([]);
      expect(stack.node.findAll().filter(x => x instanceof lambda.Function)).toEqual([]);
    }
  });
});

describe('every function the library creates follows the policy', () => {
  test('each construct that creates a function: the policy runtime, and AwsSolutions-L1 clean', () => {
    for (const [name, c] of Object.entries(CREATORS)) {
      const stack = stackWith(c.make);
      expect({ name, runtimes: runtimesOf(stack) }).toEqual({ name, runtimes: [newestNodeRuntime().name] });
      const l1 = new AwsSolutionsChecks().validateScope(stack).violations.filter((v: any) => v.ruleName === 'AwsSolutions-L1');
      expect({ name, l1 }).toEqual({ name, l1: [] });
    }
  });

  test('no other source file creates a function, and every function runtime comes from lambdaRuntime()', () => {
    const creates = /new\s+(?:lambda\.)?(?:Function|SingletonFunction|NodejsFunction|DockerImageFunction)\s*\(|new\s+(?:cr\.)?(?:Provider|AwsCustomResource)\s*\(|CustomResourceProvider/;
    const found = sourceFiles('src').filter(f => creates.test(fs.readFileSync(path.join(ROOT, f), 'utf8'))).sort();
    expect(found).toEqual(Object.values(CREATORS).map(c => c.file).sort());
    for (const f of found) {
      const runtimes = [...fs.readFileSync(path.join(ROOT, f), 'utf8').matchAll(/\bruntime:\s*([^,\n]+)/g)].map(m => m[1]);
      expect({ f, runtimes }).toEqual({ f, runtimes: ['lambdaRuntime(this)'] });
    }
  });
});
