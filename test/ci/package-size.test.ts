/**
 * The package check's source map rule (scripts/package-size.ts): a compiled file's inline source map
 * may map lines to src/*.ts, but not carry the sources' text (tsconfig inlineSources).
 */
import { inlineMapHasSources } from '../../scripts/package-size';

function withMap(map: object): string {
  return `"use strict";\nexports.x = 1;\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}`;
}

test('a map with sourcesContent carries sources; one with mappings only does not; no map does not', () => {
  expect(inlineMapHasSources(withMap({ version: 3, sources: ['../src/x.ts'], mappings: 'AAAA', sourcesContent: ['export const x = 1;\n'] }))).toBe(true);
  expect(inlineMapHasSources(withMap({ version: 3, sources: ['../src/x.ts'], mappings: 'AAAA' }))).toBe(false);
  expect(inlineMapHasSources(withMap({ version: 3, sources: ['../src/x.ts'], mappings: 'AAAA', sourcesContent: [null] }))).toBe(false);
  expect(inlineMapHasSources('"use strict";\nexports.x = 1;\n')).toBe(false);
});

test('the compiled files of this checkout carry no sources (tsconfig.json says inlineSources: false)', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tsconfig = require('../../tsconfig.json');
  expect(tsconfig.compilerOptions.inlineSourceMap).toBe(true);
  expect(tsconfig.compilerOptions.inlineSources).toBe(false);
});
