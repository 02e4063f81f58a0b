/**
 * docs/security.md's "Runtime limits" and docs/runtime.md say the values the runtime policy
 * enforces: each is built here from the constants, so a limit changed in the code without the pages fails.
 */
import * as fs from 'fs';
import * as path from 'path';
import { PROGRESS_INTERVAL_MS } from '../../src/report/report';
import { DEFAULT_MAX_DELAY_MS, RETRY_DELAY_FLOOR_MS, UNREACHABLE_MAX_ATTEMPTS, UNREACHABLE_MAX_MS, UNREACHABLE_MEMORY_MS } from '../../src/runtime';

const docs = path.join(__dirname, '..', '..', 'docs');
const security = fs.readFileSync(path.join(docs, 'security.md'), 'utf8');
const limits = security.slice(security.indexOf('## Runtime limits'));
const runtime = fs.readFileSync(path.join(docs, 'runtime.md'), 'utf8');

test.each([
  [`| ${UNREACHABLE_MAX_ATTEMPTS} attempts or ${UNREACHABLE_MAX_MS / 1000} s per call |`],
  [`| at least ${RETRY_DELAY_FLOOR_MS} ms, at most ${DEFAULT_MAX_DELAY_MS / 1000} s |`],
  [`| a line per registry every ${PROGRESS_INTERVAL_MS / 1000} s |`],
])('docs/security.md, Runtime limits, says %s', row => {
  expect(limits).toContain(row);
});

test.each([
  [`ends the call after ${UNREACHABLE_MAX_ATTEMPTS} attempts or ${UNREACHABLE_MAX_MS / 1000} s, whichever comes first`],
  [`the client remembers it for ${UNREACHABLE_MEMORY_MS / 1000} s`],
  [`never under ${RETRY_DELAY_FLOOR_MS} ms (\`RETRY_DELAY_FLOOR_MS\``],
  [`every ${PROGRESS_INTERVAL_MS / 1000} s while a registry is read`],
])('docs/runtime.md says %s', text => {
  expect(runtime.replace(/\s+/g, ' ')).toContain(text);
});
