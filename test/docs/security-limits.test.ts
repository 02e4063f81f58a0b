/**
 * docs/security.md's "Limits at a glance" says the values the code enforces: each row is built
 * here from the constants, so a limit changed in the code without the page fails.
 */
import * as fs from 'fs';
import * as path from 'path';
import { WORKER_LIMITS } from '../../src/audit/private/worker';
import { MAX_PODS_FILE_BYTES } from '../../src/cli/in-use';
import { MAX_IMAGES_FILE_BYTES, MAX_POLICY_FILE_BYTES } from '../../src/cli/lifecycle-preview';
import { MAX_IMAGES_PER_CHECK, MAX_IMAGES_PER_RESOURCE, MAX_RESPONSE_BYTES, MAX_SCAN_WAIT_SECONDS, MAX_SIGNATURE_WAIT_SECONDS } from '../../src/image-check/private/contract';
import { MAX_DOCKER_CONFIG_BYTES } from '../../src/image-copy/docker-config';
import { MAX_REDIRECTS } from '../../src/image-copy/http';
import { MAX_CONFIG_BYTES, MAX_INDEX_ENTRIES, MAX_LAYERS, MAX_MANIFEST_BYTES } from '../../src/image-copy/manifest';
import { MAX_COPY_BYTES, MAX_PLATFORMS, MAX_TAGS } from '../../src/image-copy/private/contract';
import { MAX_LOG_LINE_CHARS } from '../../src/private/escape';
import { formatLimit } from '../../src/private/files';
import { MAX_JSON_DEPTH } from '../../src/private/json';
import { MAX_ASSEMBLY_BYTES, MAX_ASSEMBLY_NESTING, MAX_MANIFEST_BYTES as MAX_ASSEMBLY_MANIFEST_BYTES, MAX_TEMPLATE_BYTES } from '../../src/report/private/assembly-guard';

const page = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'security.md'), 'utf8');
const glance = page.slice(page.indexOf('## Limits at a glance'), page.indexOf('## Cloud assemblies'));
const n = (x: number) => x.toLocaleString('en-US');

test.each([
  [`| nesting | ${MAX_JSON_DEPTH} levels |`],
  [`| length | ${n(MAX_LOG_LINE_CHARS)} characters, escaped |`],
  [`fitted to the ${n(MAX_RESPONSE_BYTES)}-byte response`],
  [`| images | ${MAX_IMAGES_PER_RESOURCE} (\`MAX_IMAGES_PER_RESOURCE\`) |`],
  [`| images | ${n(MAX_IMAGES_PER_CHECK)} (\`ImageCheck.MAX_IMAGES\`) | ${MAX_IMAGES_PER_CHECK / MAX_IMAGES_PER_RESOURCE} resources of ${MAX_IMAGES_PER_RESOURCE}`],
  [`| ${Math.max(MAX_SCAN_WAIT_SECONDS, MAX_SIGNATURE_WAIT_SECONDS)} s each |`],
  [`| ${MAX_TAGS}, ${MAX_PLATFORMS}, 2,048 characters |`],
  [`| ${MAX_COPY_BYTES / 1024 ** 3} GiB (\`MAX_COPY_BYTES\`) |`],
  [`| ${formatLimit(MAX_MANIFEST_BYTES)}, ${formatLimit(MAX_CONFIG_BYTES)}, ${n(MAX_INDEX_ENTRIES)}, ${n(MAX_LAYERS)}, ${MAX_REDIRECTS} |`],
  [`| ${WORKER_LIMITS.regions}, ${n(WORKER_LIMITS.accounts)}, ${n(WORKER_LIMITS.requestsPerSecond)}, ${WORKER_LIMITS.concurrency} |`],
  [`| ${formatLimit(MAX_TEMPLATE_BYTES)}, ${formatLimit(MAX_ASSEMBLY_MANIFEST_BYTES)}, ${formatLimit(MAX_ASSEMBLY_BYTES)}, ${MAX_ASSEMBLY_NESTING} |`],
  [`| ${formatLimit(MAX_POLICY_FILE_BYTES)} / ${formatLimit(MAX_IMAGES_FILE_BYTES)} |`],
])('the page says %s', row => {
  expect(glance).toContain(row);
});

test('the CLI rows share their limits', () => {
  expect(MAX_DOCKER_CONFIG_BYTES).toBe(MAX_POLICY_FILE_BYTES);
  expect(MAX_PODS_FILE_BYTES).toBe(MAX_IMAGES_FILE_BYTES);
});
