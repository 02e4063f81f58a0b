/**
 * Referrers (signatures, SBOMs) copied when asked (`copy --referrers`): between two real
 * go-containerregistry registries, which have no referrers API, so both sides use the referrers tag
 * schema (`sha256-<hex>`); and the OCI 1.1 referrers API of a small server of this test (neither local
 * registry serves it), whose referrers must be listed from the API, not from a tag.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { OciRegistry, parseReference } from '../../src/image-copy';
import { resolvePolicy } from '../../src/runtime';
import { copyCli } from '../helpers/copy-cli';
import {
  attachReferrer, crane, LocalRegistry, makeLayer, OCI_INDEX, OCI_MANIFEST, pushImage, referrerManifest as referrer,
  registryManifest as getManifest, sha, startRegistry,
} from '../helpers/oci';

jest.setTimeout(120_000);

let src: LocalRegistry;
let dst: LocalRegistry;
let dir: string;
let image: string;
let sbom: string;
let signature: string;

beforeAll(async () => {
  [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'referrers-'));
  image = await pushImage(`${src.host}/app:v1`, [makeLayer(dir, 'one', 100_000, 'one')], 'linux/amd64');
  const imageBytes = Buffer.from(await crane(['manifest', `${src.host}/app@${image}`]));
  const sbomContent = Buffer.from('{"spdxVersion":"SPDX-2.3"}');
  const sbomBytes = referrer('application/spdx+json', sbomContent, { mediaType: OCI_MANIFEST, digest: image, size: imageBytes.length });
  sbom = await attachReferrer(src.host, 'app', sbomBytes, sbomContent);
  // A signature of the SBOM: a referrer of a referrer.
  const sigContent = Buffer.from('signature bytes');
  signature = await attachReferrer(src.host, 'app', referrer('application/vnd.dev.cosign.artifact.sig.v1+json', sigContent,
    { mediaType: OCI_MANIFEST, digest: sbom, size: sbomBytes.length }), sigContent);
});

afterAll(async () => {
  await Promise.all([src?.stop(), dst?.stop()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('copy --referrers between registries without the referrers API (the sha256-<hex> tag schema)', () => {
  test('without --referrers: the image only, no referrers tag at the destination', async () => {
    const run = await copyCli([`${src.host}/app:v1`, `${dst.host}/plain/app:v1`, '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout.trim()).referrersCopied).toBeUndefined();
    expect((await getManifest(dst.host, 'plain/app', image.replace(':', '-'))).status).toBe(404);
    expect((await getManifest(dst.host, 'plain/app', sbom)).status).toBe(404);
  });

  test('with --referrers: the SBOM and its signature, by digest and in the destination\'s referrers tags; the image digest unchanged', async () => {
    const run = await copyCli([`${src.host}/app:v1`, `${dst.host}/team/app:v1`, '--referrers', '--json']);
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout.trim())).toEqual(expect.objectContaining({ digest: image, referrersCopied: 2 }));
    const sbomHere = await getManifest(dst.host, 'team/app', sbom);
    expect(sbomHere.status).toBe(200);
    expect(sbomHere.json.subject.digest).toBe(image);
    expect((await getManifest(dst.host, 'team/app', signature)).status).toBe(200);
    const tagIndex = await getManifest(dst.host, 'team/app', image.replace(':', '-'));
    expect(tagIndex.json.manifests).toEqual([expect.objectContaining({ digest: sbom, artifactType: 'application/spdx+json' })]);
    const sigIndex = await getManifest(dst.host, 'team/app', sbom.replace(':', '-'));
    expect(sigIndex.json.manifests.map((m: any) => m.digest)).toEqual([signature]);
    // the referrer's blob is there and right
    expect(await crane(['blob', `${dst.host}/team/app@${sha(Buffer.from('signature bytes'))}`])).toBe('signature bytes');

    // Again: nothing new is written; the referrers tag still lists the SBOM once.
    const again = await copyCli([`${src.host}/app:v1`, `${dst.host}/team/app:v1`, '--referrers', '--json']);
    expect(JSON.parse(again.stdout.trim())).toEqual(expect.objectContaining({ bytesCopied: 0, referrersCopied: 2 }));
    expect((await getManifest(dst.host, 'team/app', image.replace(':', '-'))).json.manifests).toHaveLength(1);
  });

  test('a referrer listed for the image whose subject is another manifest fails the copy, naming both', async () => {
    const other = await pushImage(`${src.host}/bad:other`, [makeLayer(dir, 'two', 10_000, 'two')], 'linux/amd64');
    const target = await pushImage(`${src.host}/bad:v1`, [makeLayer(dir, 'three', 10_000, 'three')], 'linux/amd64');
    const content = Buffer.from('stray');
    const stray = referrer('application/example', content, { mediaType: OCI_MANIFEST, digest: other, size: 100 });
    const strayDigest = await attachReferrer(src.host, 'bad', stray, content, target);
    const run = await copyCli([`${src.host}/bad:v1`, `${dst.host}/bad:v1`, '--referrers']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`referrer ${strayDigest} is listed for ${target} but its subject is ${other}`);
    // The image's referrers are copied before its tag is written: no tag.
    expect((await getManifest(dst.host, 'bad', 'v1')).status).toBe(404);
  });

  test('--attestations without --platform is a usage error (exit 2)', async () => {
    const run = await copyCli([`${src.host}/app:v1`, `${dst.host}/x:v1`, '--attestations']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--attestations: only with --platform');
  });
});

describe('the OCI 1.1 referrers API', () => {
  test('a registry that serves it is listed from it (not from a tag); one that answers 404 falls back to the tag', async () => {
    const subject = `sha256:${'c'.repeat(64)}`;
    const entry = { mediaType: OCI_MANIFEST, digest: `sha256:${'d'.repeat(64)}`, size: 321, artifactType: 'application/spdx+json' };
    const seen: string[] = [];
    let api = true;
    const server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.url === `/v2/app/referrers/${subject}` && api) {
        res.writeHead(200, { 'content-type': OCI_INDEX });
        res.end(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [entry] }));
      } else if (req.url === `/v2/app/manifests/${subject.replace(':', '-')}`) {
        res.writeHead(200, { 'content-type': OCI_INDEX });
        res.end(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ ...entry, artifactType: 'from-the-tag' }] }));
      } else {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"errors":[{"code":"NOT_FOUND"}]}');
      }
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    try {
      const host = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
      const registry = new OciRegistry({ ref: parseReference(`${host}/app:v1`), push: false, insecure: [], policy: resolvePolicy({ deadline: Date.now() + 10_000 }) });
      expect((await registry.referrers(subject)).map(r => r.entry)).toEqual([entry]);
      expect(seen).toEqual([`GET /v2/app/referrers/${subject}`]);
      api = false;
      expect((await registry.referrers(subject)).map(r => r.entry.artifactType)).toEqual(['from-the-tag']);
      expect(seen.slice(1)).toEqual([`GET /v2/app/referrers/${subject}`, `GET /v2/app/manifests/${subject.replace(':', '-')}`]);
    } finally {
      await new Promise(resolve => server.close(resolve));
    }
  });
});
