import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/**
 * The import graph of a source tree, read with the TypeScript parser: every relative module a file
 * names, whether for values or for types only (`import type`, `import { type X }`, `export ... from`,
 * `import('...')` in a type or an expression, `require`, `import x = require(...)`).
 *
 * eslint-plugin-import's `no-cycle` skips type imports, so a cycle made of them goes unseen there;
 * this graph counts them as the layering rules do (a producer never imports its consumers, not even
 * their types).
 */
export type ImportGraph = Map<string, string[]>;

/** Every `.ts` file under `dir` (not `.d.ts`), relative to `root`, sorted. */
export function sourceFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(path.join(root, d), { withFileTypes: true })) {
      const rel = path.join(d, entry.name);
      if (entry.isDirectory()) {
        walk(rel);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        out.push(rel);
      }
    }
  };
  walk(dir);
  return out.sort();
}

/** The module specifiers `text` names (relative or not), in source order. */
export function moduleSpecifiers(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      out.push(node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)
      && ts.isStringLiteral(node.moduleReference.expression)) {
      out.push(node.moduleReference.expression.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      out.push(node.argument.literal.text);
    } else if (ts.isCallExpression(node) && node.arguments.length >= 1 && ts.isStringLiteral(node.arguments[0])
      && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
      out.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** The file a relative specifier names (`x.ts` or `x/index.ts`), relative to `root`; `undefined` for a package or a missing file. */
function resolve(root: string, from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) {
    return undefined;
  }
  const base = path.join(path.dirname(from), specifier);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts'), base]) {
    if (candidate.endsWith('.ts') && fs.existsSync(path.join(root, candidate))) {
      return candidate;
    }
  }
  return undefined;
}

/** The graph of the `.ts` files under `root/dir`: each file to the files of the tree it imports (sorted, distinct). */
export function importGraph(root: string, dir: string): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const file of sourceFiles(root, dir)) {
    const targets = moduleSpecifiers(file, fs.readFileSync(path.join(root, file), 'utf-8'))
      .map(s => resolve(root, file, s))
      .filter((t): t is string => t !== undefined);
    graph.set(file, [...new Set(targets)].sort());
  }
  return graph;
}

/**
 * Every import cycle, one per strongly connected component (Tarjan), each as a closed path of
 * files (`a -> b -> a`) starting at its smallest file; sorted.
 */
export function importCycles(graph: ImportGraph): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const strongConnect = (v: string): void => {
    indices.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        strongConnect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, indices.get(w)!));
      }
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) {
        components.push(component.sort());
      }
    }
  };
  for (const v of [...graph.keys()].sort()) {
    if (!indices.has(v)) {
      strongConnect(v);
    }
  }
  return components.map(c => cyclePath(graph, c)).sort((a, b) => a[0].localeCompare(b[0]));
}

/** A closed path through a strongly connected component, from its smallest file back to it (breadth first: the shortest). */
function cyclePath(graph: ImportGraph, component: string[]): string[] {
  const members = new Set(component);
  const start = component[0];
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!members.has(w)) {
        continue;
      }
      if (w === start) {
        const path_ = [start];
        for (let at: string | undefined = v; at !== start && at !== undefined; at = previous.get(at)) {
          path_.splice(1, 0, at);
        }
        return [...path_, start];
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [...component, start];
}
