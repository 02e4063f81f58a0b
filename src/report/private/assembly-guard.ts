/**
 * The assembly guard: every file a cloud assembly names is checked before anything reads it.
 *
 * aws-cdk-lib's `CloudAssembly` opens the files its manifests name itself (`manifest.json`, an
 * artifact's `additionalMetadataFile`, a nested assembly's `manifest.json`) and joins their names to
 * the directory unchecked, so `../`, absolute-looking names and symbolic links would lead it out of
 * the assembly, `/dev/zero` would never end, and a nested assembly named `.` would recurse forever.
 * So the guard walks the manifests first, the way `CloudAssembly` and the reader will, with the same
 * `path.join` of directory and name, and resolves the real path of each entry:
 *
 * - it must lie inside the real path of the `--assembly` directory, and be a regular file (a
 *   directory for a nested assembly);
 * - a file must be under its size limit (`MAX_TEMPLATE_BYTES` for templates, `MAX_MANIFEST_BYTES`
 *   for manifests), and all of them together under `MAX_ASSEMBLY_BYTES`;
 * - nested assemblies and nested stacks nest at most `MAX_ASSEMBLY_NESTING` deep, and a cycle (an
 *   assembly or template that contains itself) is refused;
 * - JSON nests at most `MAX_JSON_DEPTH` levels.
 *
 * Any violation ends the read with one `ReportInputError` (exit 2) naming the file and the limit,
 * before `CloudAssembly` opens anything. A template inside the assembly that is not JSON is not a
 * violation: its stack is reported with an error (docs/report.md), and the error says where the
 * text went wrong without quoting it. The guard keeps what it read: the reader takes templates
 * from it, never from the disk again.
 */
import * as fs from 'fs';
import * as path from 'path';
import { FileLimitError, formatLimit, readBounded, resolveInside } from '../../private/files';
import { JsonInputError, parseJson } from '../../private/json';
import { ReportInputError } from '../errors';

/**
 * Largest template read: CloudFormation deploys a template of at most 1 MB (from S3; 51,200 bytes
 * inline), so a larger file is not a template CloudFormation could deploy. Read as 1 MiB, the more
 * lenient reading of "1 MB".
 */
export const MAX_TEMPLATE_BYTES = 1024 * 1024;

/**
 * Largest `manifest.json`, `*.assets.json` or additional metadata file read: no AWS limit applies
 * (the files stay local); 32 MiB is over ten times the manifest of a 1,000-stack app with its
 * metadata, and bounds the memory a hostile file can take.
 */
export const MAX_MANIFEST_BYTES = 32 * 1024 * 1024;

/** All files of one assembly together (templates of 1,000 stacks of 256 KiB each). */
export const MAX_ASSEMBLY_BYTES = 256 * 1024 * 1024;

/**
 * Deepest nesting of assemblies (stages) and of nested stacks: CDK nests an assembly per `Stage`
 * and CloudFormation a stack per `NestedStack`; real apps use a few levels. Deeper is refused.
 */
export const MAX_ASSEMBLY_NESTING = 32;

/** Most templates visited (nested stacks may share a template file; each visit counts). */
export const MAX_TEMPLATE_VISITS = 20_000;

/** A template the guard read: its JSON, or why it is not JSON. */
export interface GuardedTemplate {
  readonly template?: unknown;
  readonly error?: string;
}

/** What the guard checked and read. */
export interface GuardedAssembly {
  /** The real path of the assembly directory. */
  readonly realRoot: string;
  /** Templates by `path.resolve` of the joined name (as `CloudAssembly` computes `templateFullPath`). */
  readonly templates: ReadonlyMap<string, GuardedTemplate>;
  /** Bytes read in all. */
  readonly bytesRead: number;
  /** Files read (manifests, templates, asset manifests). */
  readonly filesRead: number;
  /** The template file of a nested stack resource, as named relative to its assembly `directory`. */
  nestedTemplateFile(resource: unknown, directory: string): string | undefined;
  /** A template the guard read (by its assembly directory and the name there). */
  template(fullPath: string): GuardedTemplate;
}

function isObject(x: unknown): x is Record<string, any> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Check and read the assembly in `directory` (see the module comment). Throws `ReportInputError`
 * naming the file and the limit on the first violation.
 */
export function guardAssembly(directory: string): GuardedAssembly {
  const arg = `--assembly ${JSON.stringify(directory)}`;
  let realRoot: string;
  try {
    realRoot = fs.realpathSync(directory);
  } catch {
    throw new ReportInputError(`${arg} is not a directory: give the cloud assembly directory \`cdk synth\` writes (cdk.out)`);
  }
  if (!fs.statSync(realRoot).isDirectory()) {
    throw new ReportInputError(`${arg} is not a directory: give the cloud assembly directory \`cdk synth\` writes (cdk.out)`);
  }
  if (!fs.existsSync(path.join(directory, 'manifest.json'))) {
    throw new ReportInputError(`${arg} has no manifest.json: give the cloud assembly directory \`cdk synth\` writes (cdk.out)`);
  }

  const templates = new Map<string, GuardedTemplate>();
  /** Asset hash to file name, per assembly directory (resolved). */
  const assetFiles = new Map<string, Map<string, string>>();
  let bytesRead = 0;
  let filesRead = 0;
  let visits = 0;
  const seenDirs = new Set<string>();

  /** Where a name from a manifest leads, for messages: relative to the assembly when inside it. */
  const shown = (file: string) => {
    const rel = path.relative(path.resolve(directory), path.resolve(file));
    return rel === '' ? '.' : !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
  };
  const fail = (message: string): never => {
    throw new ReportInputError(`${arg}: ${message}`);
  };
  const guarded = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof FileLimitError || e instanceof JsonInputError) {
        return fail(e.message);
      }
      throw e;
    }
  };

  /** Read one file named by the assembly: inside, regular, under `limit`. */
  const readFile = (file: string, label: string, limit: number, why: string): string => guarded(() => {
    const { real } = resolveInside(realRoot, file, 'file', label);
    if (bytesRead > MAX_ASSEMBLY_BYTES) {
      fail(`its files add up to more than ${formatLimit(MAX_ASSEMBLY_BYTES)}, the limit of one assembly`);
    }
    const bytes = readBounded(real, { maxBytes: Math.min(limit, MAX_ASSEMBLY_BYTES - bytesRead), label, why });
    bytesRead += bytes.length;
    filesRead++;
    return bytes.toString('utf8');
  });

  const readManifest = (file: string, label: string): unknown => {
    const text = readFile(file, label, MAX_MANIFEST_BYTES, 'the limit of a manifest this tool reads');
    return guarded(() => parseJson(text, label));
  };

  const readTemplateFile = (file: string, label: string): GuardedTemplate => {
    const key = path.resolve(file);
    const known = templates.get(key);
    if (known) {
      return known;
    }
    const text = readFile(file, label, MAX_TEMPLATE_BYTES, 'CloudFormation deploys templates of at most 1 MB');
    let entry: GuardedTemplate;
    try {
      entry = { template: parseJson(text, 'it') };
    } catch (e) {
      if (!(e instanceof JsonInputError)) {
        throw e;
      }
      if (e.reason === 'depth') {
        // Valid JSON perhaps, but past the limit: the run ends, as for a file over its size.
        fail(`${label} ${e.message.replace(/^it /, '')}`);
      }
      // Not JSON: the stack is reported with this error; the message quotes nothing of the file.
      entry = { error: e.message.replace(/^it /, '') };
    }
    templates.set(key, entry);
    return entry;
  };

  const assetsOf = (dir: string): Map<string, string> => {
    const key = path.resolve(dir);
    let files = assetFiles.get(key);
    if (files) {
      return files;
    }
    files = new Map();
    assetFiles.set(key, files);
    let names: string[];
    try {
      names = fs.readdirSync(dir).filter(n => n.endsWith('.assets.json')).sort();
    } catch {
      return files;
    }
    for (const name of names) {
      const manifest = readManifest(path.join(dir, name), `asset manifest ${shown(path.join(dir, name))}`);
      for (const [hash, asset] of Object.entries<any>(isObject(manifest) && isObject(manifest.files) ? manifest.files : {})) {
        if (typeof asset?.source?.path === 'string') {
          files.set(hash, asset.source.path);
        }
      }
    }
    return files;
  };

  const nestedTemplateFile = (resource: unknown, dir: string): string | undefined => {
    const r = resource as any;
    const file = r?.Metadata?.['aws:asset:path'];
    if (typeof file === 'string') {
      return file;
    }
    let url: string;
    try {
      url = JSON.stringify(r?.Properties?.TemplateURL ?? '');
    } catch {
      return undefined;
    }
    const hash = /([0-9a-f]{64})\.json/.exec(url)?.[1];
    return hash !== undefined ? assetsOf(dir).get(hash) : undefined;
  };

  /** A template and, through its nested stacks, theirs; `chain` holds the templates above (cycles). */
  const walkTemplate = (file: string, label: string, dir: string, depth: number, chain: string[]): void => {
    if (++visits > MAX_TEMPLATE_VISITS) {
      fail(`it names more than ${MAX_TEMPLATE_VISITS.toLocaleString('en-US')} stack templates (nested stacks counted each time they are used), the limit of one assembly`);
    }
    const entry = readTemplateFile(file, label);
    const template = entry.template;
    if (!isObject(template) || !isObject(template.Resources)) {
      return;
    }
    const key = guarded(() => resolveInside(realRoot, file, 'file', label).real);
    for (const [logicalId, resource] of Object.entries<any>(template.Resources)) {
      if (resource?.Type !== 'AWS::CloudFormation::Stack') {
        continue;
      }
      const name = nestedTemplateFile(resource, dir);
      if (name === undefined) {
        continue;
      }
      const nestedFile = path.join(dir, name);
      const nestedLabel = `the template ${shown(nestedFile)} of nested stack ${logicalId} (in ${shown(file)})`;
      if (depth + 1 > MAX_ASSEMBLY_NESTING) {
        fail(`${nestedLabel} nests stacks more than ${MAX_ASSEMBLY_NESTING} deep, the limit`);
      }
      const real = guarded(() => resolveInside(realRoot, nestedFile, 'file', nestedLabel).real);
      if (real === key || chain.includes(real)) {
        fail(`${nestedLabel} contains itself (a cycle of nested stacks)`);
      }
      walkTemplate(nestedFile, nestedLabel, dir, depth + 1, [...chain, key]);
    }
  };

  /** An assembly directory: its manifest, its artifacts' files, its nested assemblies. */
  const walkAssembly = (dir: string, label: string, depth: number, chain: string[]): void => {
    const realDir = guarded(() => resolveInside(realRoot, dir, 'directory', label).real);
    if (chain.includes(realDir)) {
      fail(`${label} contains itself (a cycle of nested assemblies)`);
    }
    if (seenDirs.has(realDir)) {
      fail(`${label} is named by two nested assembly artifacts: each stage has its own directory`);
    }
    seenDirs.add(realDir);
    const manifestFile = path.join(dir, 'manifest.json');
    const manifest = readManifest(manifestFile, `${shown(manifestFile)}`);
    const artifacts = isObject(manifest) && isObject(manifest.artifacts) ? manifest.artifacts : {};
    for (const [id, artifact] of Object.entries<any>(artifacts)) {
      if (!isObject(artifact)) {
        continue;
      }
      const where = `artifact ${JSON.stringify(id)} of ${shown(manifestFile)}`;
      if (artifact.additionalMetadataFile !== undefined) {
        if (typeof artifact.additionalMetadataFile !== 'string') {
          fail(`${where}: additionalMetadataFile is not a file name`);
        }
        const f = path.join(dir, artifact.additionalMetadataFile);
        readManifest(f, `${shown(f)} (additionalMetadataFile of ${where})`);
      }
      const props = isObject(artifact.properties) ? artifact.properties : {};
      if (artifact.type === 'aws:cloudformation:stack') {
        if (typeof props.templateFile !== 'string') {
          fail(`${where}: properties.templateFile is not a file name`);
        }
        const f = path.join(dir, props.templateFile);
        walkTemplate(f, `${shown(f)} (templateFile of ${where})`, dir, depth, []);
      } else if (artifact.type === 'cdk:cloud-assembly') {
        if (typeof props.directoryName !== 'string') {
          fail(`${where}: properties.directoryName is not a directory name`);
        }
        const d = path.join(dir, props.directoryName);
        const nestedLabel = `${shown(d)} (directoryName of ${where})`;
        if (depth + 1 > MAX_ASSEMBLY_NESTING) {
          fail(`${nestedLabel} nests assemblies more than ${MAX_ASSEMBLY_NESTING} deep, the limit`);
        }
        walkAssembly(d, nestedLabel, depth + 1, [...chain, realDir]);
      }
    }
  };

  walkAssembly(directory, 'the assembly directory', 0, []);

  return {
    realRoot,
    templates,
    bytesRead,
    filesRead,
    nestedTemplateFile,
    template(fullPath: string): GuardedTemplate {
      const entry = templates.get(path.resolve(fullPath));
      if (!entry) {
        // The reader asked for a file the guard did not check: refuse rather than read it.
        throw new ReportInputError(`${arg}: ${shown(fullPath)} was not checked before reading (not named where the guard looked)`);
      }
      return entry;
    },
  };
}
