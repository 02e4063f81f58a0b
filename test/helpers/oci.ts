/**
 * Real OCI registries for the image copy tests, built by scripts/oci-tools.sh (the test task runs
 * it first) into ./.oci-tools: go-containerregistry's in-memory registry and crane, and the CNCF
 * distribution registry with basic auth. A missing tool is a failure, never a skip.
 */
import { ChildProcess, execFile, execFileSync, spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';

const TOOLS = path.join(__dirname, '..', '..', '.oci-tools');
const run = promisify(execFile);

function tool(rel: string): string {
  const p = path.join(TOOLS, rel);
  if (!fs.existsSync(p)) {
    throw new Error(`${p} not found: run "bash scripts/oci-tools.sh" (the test task does this first)`);
  }
  return p;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface LocalRegistry {
  /** 127.0.0.1:PORT */
  readonly host: string;
  stop(): Promise<void>;
}

async function waitUp(url: string, proc: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) {
      throw new Error(`${what} exited (${proc.exitCode}) before it answered`);
    }
    try {
      const r = await fetch(url);
      if (r.status === 200 || r.status === 401) {
        return;
      }
    } catch {
      // not yet
    }
    await new Promise(r => setTimeout(r, 50));
  }
  throw new Error(`${what} did not answer ${url} within 20 s`);
}

function stopper(proc: ChildProcess): () => Promise<void> {
  return () => new Promise(resolve => {
    // Ended by a signal (an earlier stop), a process has no exit code but a signal code: waiting
    // for an 'exit' that already happened would hang a second stop.
    if (proc.exitCode !== null || proc.signalCode !== null) {
      resolve();
      return;
    }
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
  });
}

/** go-containerregistry's in-memory registry, anonymous. */
export async function startRegistry(): Promise<LocalRegistry> {
  const port = await freePort();
  const proc = spawn(tool('bin/registry'), ['-port', String(port)], { stdio: 'ignore' });
  const host = `127.0.0.1:${port}`;
  await waitUp(`http://${host}/v2/`, proc, 'registry');
  return { host, stop: stopper(proc) };
}

/** The distribution registry (v3) with basic auth for `user`/`password`. */
export async function startBasicAuthRegistry(user: string, password: string): Promise<LocalRegistry & { dir: string }> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dist-registry-'));
  const line = (await run(tool('bin/htpasswd-bcrypt'), [user, password])).stdout;
  fs.writeFileSync(path.join(dir, 'htpasswd'), line);
  fs.writeFileSync(path.join(dir, 'config.yml'), [
    'version: 0.1',
    'log:', '  level: error',
    'storage:', '  inmemory: {}',
    'http:', `  addr: 127.0.0.1:${port}`,
    'auth:', '  htpasswd:', '    realm: test', `    path: ${path.join(dir, 'htpasswd')}`,
    '',
  ].join('\n'));
  const proc = spawn(tool('dist/registry'), ['serve', path.join(dir, 'config.yml')], { stdio: 'ignore', env: { ...process.env, OTEL_TRACES_EXPORTER: 'none' } });
  const host = `127.0.0.1:${port}`;
  await waitUp(`http://${host}/v2/`, proc, 'distribution registry');
  const stop = stopper(proc);
  return { host, dir, stop: async () => { await stop(); fs.rmSync(dir, { recursive: true, force: true }); } };
}

/** Run crane; resolves to its stdout, trimmed. */
export async function crane(args: string[], env: Record<string, string> = {}): Promise<string> {
  const out = await run(tool('bin/crane'), args, { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 });
  return out.stdout.trim();
}

/** A tar layer of one file of `bytes` pseudo-random bytes (seeded), in `dir`. */
export function makeLayer(dir: string, name: string, bytes: number, seed: string): string {
  const content = path.join(dir, `${name}.bin`);
  const fd = fs.openSync(content, 'w');
  let counter = 0;
  let written = 0;
  while (written < bytes) {
    const block = Buffer.alloc(Math.min(1024 * 1024, bytes - written));
    let off = 0;
    while (off < block.length) {
      const h = crypto.createHash('sha256').update(`${seed}:${counter++}`).digest();
      off += h.copy(block, off);
    }
    fs.writeSync(fd, block);
    written += block.length;
  }
  fs.closeSync(fd);
  const tar = path.join(dir, `${name}.tar`);
  execFileSync('tar', ['--mtime=2020-01-01', '--owner=0', '--group=0', '-cf', tar, '-C', dir, `${name}.bin`]);
  fs.rmSync(content);
  return tar;
}

/** Push a single-platform image of the given layers to `ref`; resolves to its digest. */
export async function pushImage(ref: string, layers: string[], platform: string, oci = true): Promise<string> {
  await crane(['append', ...(oci ? ['--oci-empty-base'] : []), ...layers.flatMap(l => ['-f', l]), '-t', ref]);
  await crane(['mutate', '--set-platform', platform, '-t', ref, ref]);
  return crane(['digest', ref]);
}

/** An index of the given manifests at `ref`; resolves to its digest. */
export async function pushIndex(ref: string, manifests: string[]): Promise<string> {
  await crane(['index', 'append', ...manifests.flatMap(m => ['-m', m]), '-t', ref]);
  return crane(['digest', ref]);
}

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
/** The OCI empty descriptor's content (`{}`), the config of an artifact. */
export const EMPTY = Buffer.from('{}');

/** `sha256:<hex>` of some bytes. */
export function sha(bytes: Buffer): string {
  return `sha256:${crypto.createHash('sha256').update(bytes).digest('hex')}`;
}

/** A referrer manifest (an artifact of `artifactType`, one layer of `content`) whose subject is `subject`. */
export function referrerManifest(artifactType: string, content: Buffer, subject: { mediaType: string; digest: string; size: number }): Buffer {
  return Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType,
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha(EMPTY), size: EMPTY.length },
    layers: [{ mediaType: 'application/octet-stream', digest: sha(content), size: content.length }],
    subject,
  }));
}

/** A manifest of a local registry by tag or digest (404: none). */
export async function registryManifest(host: string, repo: string, ref: string): Promise<{ status: number; json?: any }> {
  const r = await fetch(`http://${host}/v2/${repo}/manifests/${ref}`, { headers: { accept: `${OCI_INDEX}, ${OCI_MANIFEST}` } });
  return { status: r.status, json: r.status === 200 ? await r.json() : undefined };
}

async function putOrFail(url: string, method: string, body: Buffer, type: string): Promise<void> {
  const r = await fetch(url, { method, body, headers: { 'content-type': type } });
  if (r.status !== 201 && r.status !== 202) {
    throw new Error(`${method} ${url}: ${r.status} ${await r.text()}`);
  }
}

/**
 * Attach a referrer (from `referrerManifest`, whose layer is `content`) to its subject in a local
 * registry the way a tool does without the referrers API (neither local registry has it): the
 * manifest by digest, and an entry in the subject's `sha256-<hex>` index (or, to test a lie, the
 * index of `listedFor`). Resolves to its digest.
 */
export async function attachReferrer(host: string, repo: string, manifest: Buffer, content: Buffer, listedFor?: string): Promise<string> {
  for (const blob of [EMPTY, content]) {
    await putOrFail(`http://${host}/v2/${repo}/blobs/uploads/?digest=${sha(blob)}`, 'POST', blob, 'application/octet-stream');
  }
  const digest = sha(manifest);
  await putOrFail(`http://${host}/v2/${repo}/manifests/${digest}`, 'PUT', manifest, OCI_MANIFEST);
  const json = JSON.parse(manifest.toString('utf8'));
  const tag = String(listedFor ?? json.subject.digest).replace(':', '-');
  const have = await registryManifest(host, repo, tag);
  const entries = [...(have.json?.manifests ?? []), { mediaType: OCI_MANIFEST, digest, size: manifest.length, artifactType: json.artifactType }];
  await putOrFail(`http://${host}/v2/${repo}/manifests/${tag}`, 'PUT', Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: entries })), OCI_INDEX);
  return digest;
}
