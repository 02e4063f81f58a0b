/**
 * A referrer that is an index (per-platform signatures or attestations in one artifact, an OCI
 * image index with a `subject`): `copy --referrers` copies its entries' manifests and blobs, writes
 * the entries by digest, then the index as a referrer of its subject; an entry that does not hash to
 * its descriptor, or is itself an index, fails the copy and leaves no tag.
 * Two real go-containerregistry registries (the referrers tag schema: neither serves the API).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { copyCli } from '../helpers/copy-cli';
import {
  EMPTY, LocalRegistry, makeLayer, OCI_INDEX, OCI_MANIFEST, pushImage, registryManifest as getManifest, sha, startRegistry,
} from '../helpers/oci';

jest.setTimeout(120_000);

async function put(host: string, repo: string, what: 'blob' | 'manifest', bytes: Buffer, type: string, ref?: string): Promise<string> {
  const digest = sha(bytes);
  const url = what === 'blob'
    ? `http://${host}/v2/${repo}/blobs/uploads/?digest=${digest}`
    : `http://${host}/v2/${repo}/manifests/${ref ?? digest}`;
  const r = await fetch(url, { method: what === 'blob' ? 'POST' : 'PUT', body: bytes, headers: { 'content-type': type } });
  if (r.status !== 201 && r.status !== 202) {
    throw new Error(`${url}: ${r.status} ${await r.text()}`);
  }
  return digest;
}

interface Entry { mediaType: string; digest: string; size: number; platform: object }

/** One signature manifest per platform, pushed by digest; their descriptors (with the platform). */
async function signatures(host: string, repo: string, label: string): Promise<Entry[]> {
  const out = [];
  await put(host, repo, 'blob', EMPTY, 'application/octet-stream');
  for (const arch of ['amd64', 'arm64']) {
    const content = Buffer.from(`${label} signature for linux/${arch}`);
    await put(host, repo, 'blob', content, 'application/octet-stream');
    const bytes = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: 'application/vnd.example.sig',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha(EMPTY), size: EMPTY.length },
      layers: [{ mediaType: 'application/octet-stream', digest: sha(content), size: content.length }],
    }));
    out.push({ mediaType: OCI_MANIFEST, digest: await put(host, repo, 'manifest', bytes, OCI_MANIFEST), size: bytes.length, platform: { os: 'linux', architecture: arch } });
  }
  return out;
}

/** An index referrer of `subject` with `entries`, by digest and in the subject's referrers tag. */
async function attachIndex(host: string, repo: string, subject: { digest: string; size: number }, entries: object[]): Promise<string> {
  const bytes = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    artifactType: 'application/vnd.example.sig.bundle',
    manifests: entries,
    subject: { mediaType: OCI_MANIFEST, ...subject },
  }));
  const digest = await put(host, repo, 'manifest', bytes, OCI_INDEX);
  const tagIndex = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [{ mediaType: OCI_INDEX, digest, size: bytes.length, artifactType: 'application/vnd.example.sig.bundle' }],
  }));
  await put(host, repo, 'manifest', tagIndex, OCI_INDEX, subject.digest.replace(':', '-'));
  return digest;
}

let src: LocalRegistry;
let dst: LocalRegistry;
let dir: string;

beforeAll(async () => {
  [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'referrer-index-'));
});

afterAll(async () => {
  await Promise.all([src?.stop(), dst?.stop()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

async function image(repo: string, seed: string): Promise<{ digest: string; size: number }> {
  const digest = await pushImage(`${src.host}/${repo}:v1`, [makeLayer(dir, seed, 20_000, seed)], 'linux/amd64');
  return { digest, size: (await fetch(`http://${src.host}/v2/${repo}/manifests/${digest}`, { headers: { accept: OCI_MANIFEST } }).then(r => r.arrayBuffer())).byteLength };
}

test('an index referrer is copied with its entries and their blobs, listed in the destination\'s referrers tag', async () => {
  const subject = await image('app', 'app');
  const entries = await signatures(src.host, 'app', 'good');
  const bundle = await attachIndex(src.host, 'app', subject, entries);

  const run = await copyCli([`${src.host}/app:v1`, `${dst.host}/app:v1`, '--referrers', '--json']);
  expect(run.stderr).not.toContain('not copied');
  expect(run.code).toBe(0);
  expect(JSON.parse(run.stdout.trim())).toEqual(expect.objectContaining({ digest: subject.digest, referrersCopied: 1 }));
  const here = await getManifest(dst.host, 'app', bundle);
  expect(here.status).toBe(200);
  expect(here.json.subject.digest).toBe(subject.digest);
  for (const e of entries) {
    const m = await getManifest(dst.host, 'app', e.digest);
    expect(m.status).toBe(200);
    const blob = await fetch(`http://${dst.host}/v2/app/blobs/${m.json.layers[0].digest}`);
    expect(blob.status).toBe(200);
  }
  const tag = await getManifest(dst.host, 'app', subject.digest.replace(':', '-'));
  expect(tag.json.manifests).toEqual([expect.objectContaining({ digest: bundle, mediaType: OCI_INDEX })]);
  expect((await getManifest(dst.host, 'app', 'v1')).status).toBe(200);

  // Again: nothing new to send.
  const again = await copyCli([`${src.host}/app:v1`, `${dst.host}/app:v1`, '--referrers', '--json']);
  expect(JSON.parse(again.stdout.trim())).toEqual(expect.objectContaining({ bytesCopied: 0, referrersCopied: 1 }));
});

test('an entry of an index referrer that does not match its descriptor fails the copy, naming it; no tag', async () => {
  const subject = await image('lie', 'lie');
  const [good, other] = await signatures(src.host, 'lie', 'lie');
  // The index declares a size the entry's bytes do not have.
  await attachIndex(src.host, 'lie', subject, [good, { ...other, size: other.size + 1 }]);
  const run = await copyCli([`${src.host}/lie:v1`, `${dst.host}/lie:v1`, '--referrers']);
  expect(run.code).toBe(1);
  expect(run.stderr).toContain(`manifest ${src.host}/lie@${other.digest}: ${other.size} bytes, its index declares ${other.size + 1}`);
  expect((await getManifest(dst.host, 'lie', 'v1')).status).toBe(404);
});

test('an index referrer whose entry is itself an index fails the copy, naming both; no tag', async () => {
  const subject = await image('nested', 'nested');
  const entries = await signatures(src.host, 'nested', 'nested');
  const inner = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: entries }));
  const innerDigest = await put(src.host, 'nested', 'manifest', inner, OCI_INDEX);
  const outer = await attachIndex(src.host, 'nested', subject, [{ mediaType: OCI_INDEX, digest: innerDigest, size: inner.length }]);
  const run = await copyCli([`${src.host}/nested:v1`, `${dst.host}/nested:v1`, '--referrers']);
  expect(run.code).toBe(1);
  expect(run.stderr).toContain(`referrer index ${outer}: entry ${innerDigest} is itself an index; nested indexes are not copied`);
  expect((await getManifest(dst.host, 'nested', 'v1')).status).toBe(404);
});

test('an index referrer counts its entries against the referrers a copy writes (at most 256)', async () => {
  const subject = await image('wide', 'wide');
  // The registry checks that an index's entries exist: the two signatures, 150 times each.
  const two = await signatures(src.host, 'wide', 'wide');
  const entries = Array.from({ length: 300 }, (_, i) => two[i % 2]);
  const wide = await attachIndex(src.host, 'wide', subject, entries);
  const run = await copyCli([`${src.host}/wide:v1`, `${dst.host}/wide:v1`, '--referrers']);
  expect(run.code).toBe(1);
  expect(run.stderr).toContain(`more than 256 referrer manifests to copy (referrer index ${wide} has 300 entries)`);
  expect((await getManifest(dst.host, 'wide', 'v1')).status).toBe(404);
});
