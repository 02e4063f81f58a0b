/**
 * Repairs jsii-rosetta's Go translations of the README and docs/ snippets (jsii-rosetta 6.0.17), so that
 * scripts/run-snippets.ts can compile them against the binding. Each repair is a class of the translator's
 * mistakes, never a patch for one snippet; what the translator cannot know (which Go package a type lives
 * in, whether it is a struct) comes from the jsii assemblies (ours, aws-cdk-lib's, constructs'):
 *
 * Static (before compiling), `fixGoSnippet`:
 * - imports: rosetta writes `github.com/aws/aws-cdk-go/awscdk` for every aws-cdk-lib import (no /v2, no
 *   submodule) and drops some aliases; they are written again from the TypeScript imports (one Go import
 *   per TypeScript module, under the TypeScript alias), and those the translation does not use are left out;
 * - unqualified type names (`&PrivateRepositoryProps{`, `[]ScanningRule{`): qualified with the package
 *   the assembly puts them in (nested types as `Parent_Child`);
 * - slices: jsii's Go API takes `*[]T`, with `*S` elements for a struct S: `[]S{` becomes `&[]*pkg.S{`;
 * - dereferences: rosetta writes `*` before values (enum members, class instances, `Duration_*Days`); no
 *   value of a jsii Go API is dereferenced, so a unary `*` before a value is dropped;
 * - shorthand properties (`{ credentials }`): rosetta writes `Credentials: *Credentials` or
 *   `Outdir: jsii.String(Outdir)`; they name the variable again (`Credentials: credentials`);
 * - `jsii.Boolean(` is `jsii.Bool(` in jsii-runtime-go;
 * - `jsii.String(x)` of a variable the snippet did not declare (the fixture's, already a `*string`): `x`;
 * - member names: every selector is exported in jsii's Go API (`repo.access` is `repo.Access`,
 *   `EksImageAccess_container` is `EksImageAccess_Container`);
 * - `fmt.Sprintf(...)` (template literals) where jsii takes a `*string`: `jsii.String(fmt.Sprintf(...))`,
 *   with `fmt` imported.
 *
 * From the compiler's errors (after a `go build`), `fixFromErrors`: what needs the types of expressions.
 * - `cannot use X (value of type func() T) as ...` and `X (value of type func() T) is not used`: a property
 *   read is a getter call in Go: `X()`;
 * - `not enough arguments in call`: the omitted optional parameters are `nil`;
 * - `cannot use X (value of type T) as *T value`: `&X` (a map or slice literal where jsii takes a pointer);
 * - `invalid operation: cannot indirect X`: the `*` before X is dropped;
 * - `invalid operation: cannot call non-function X`: `X()` becomes `X` (an enum member);
 * - `cannot use X (value of type *string) as string value`/`... *float64 ... float64`: `*X`.
 * Each repair edits one line in place (no line is added or removed), so a line of the written program
 * stays the line of the snippet it came from.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';

/** A jsii type as Go sees it. */
export interface GoType {
  /** Go import path of its package (`github.com/aws/aws-cdk-go/awscdk/v2/awsecs`). */
  readonly importPath: string;
  /** The package's name (`awsecs`). */
  readonly packageName: string;
  /** The type's Go name in its package (`CfnStackSet_AutoDeploymentProperty`). */
  readonly goName: string;
  /** The TypeScript name of the type that contains it (`CfnStackSet`), for nested types. */
  readonly parent?: string;
  readonly kind: 'class' | 'interface' | 'enum' | 'struct';
  readonly fqn: string;
}

/** Every type of the assemblies by its TypeScript name (`AutoDeploymentProperty`), and the modules' Go paths. */
export interface GoTypeIndex {
  readonly types: Map<string, GoType[]>;
  /** TypeScript module specifier (`aws-cdk-lib/aws-ecs`, `cdk-ecr-registry`) to Go import path and package name. */
  readonly modules: Map<string, { importPath: string; packageName: string }>;
  /** Go names of the properties of classes and behavioral interfaces (getters in Go: `repo.Access()`). */
  readonly getters: Set<string>;
  /** Go names of the fields of structs (read as they are: `report.Violations`). */
  readonly fields: Set<string>;
  /** What the methods of each Go name return: `class` (a class or behavioral interface), `struct` or `other`. */
  readonly returns: Map<string, Set<'class' | 'struct' | 'other'>>;
}

function readAssembly(file: string): any {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (raw.schema === 'jsii/file-redirect') {
    const target = path.join(path.dirname(file), raw.filename);
    const data = fs.readFileSync(target);
    return JSON.parse((raw.compression === 'gzip' ? zlib.gunzipSync(data) : data).toString('utf8'));
  }
  return raw;
}

/** jsii-pacmak's Go package name of a module or submodule: lower case, letters and digits only. */
function goPackageName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Reads the assemblies (`.jsii` files, redirects followed) into a `GoTypeIndex`. */
export function goTypeIndex(assemblyFiles: string[]): GoTypeIndex {
  const types = new Map<string, GoType[]>();
  const modules = new Map<string, { importPath: string; packageName: string }>();
  const getters = new Set<string>();
  const fields = new Set<string>();
  const kinds = new Map<string, string>();
  const returned: Array<[string, string | undefined]> = [];
  for (const file of assemblyFiles) {
    const a = readAssembly(file);
    const go = a.targets?.go;
    if (!go?.moduleName) {
      throw new Error(`${file}: the assembly has no Go target`);
    }
    const rootPackage: string = go.packageName ?? goPackageName(a.name);
    const major = Number(String(a.version).split('.')[0]);
    const rootPath = `${go.moduleName}/${rootPackage}${major >= 2 ? `/v${major}` : ''}`;
    modules.set(a.name, { importPath: rootPath, packageName: rootPackage });
    const submodules = Object.keys(a.submodules ?? {}).map(s => s.slice(a.name.length + 1));
    for (const sub of submodules) {
      if (sub.includes('.')) {
        continue; // nested namespaces of a submodule are types, not packages
      }
      const pkg = goPackageName(sub);
      modules.set(`${a.name}/${sub.replace(/_/g, '-')}`, { importPath: `${rootPath}/${pkg}`, packageName: pkg });
    }
    for (const t of Object.values<any>(a.types ?? {})) {
      // namespace: `aws_cloudformation.CfnStackSet` (a submodule, then enclosing types), or undefined
      const parts: string[] = t.namespace ? String(t.namespace).split('.') : [];
      let pkg = { importPath: rootPath, packageName: rootPackage };
      let enclosing = parts;
      if (parts.length > 0 && submodules.includes(parts[0])) {
        pkg = { importPath: `${rootPath}/${goPackageName(parts[0])}`, packageName: goPackageName(parts[0]) };
        enclosing = parts.slice(1);
      }
      const kind = t.kind === 'interface' && t.datatype ? 'struct' : t.kind;
      const entry: GoType = {
        ...pkg,
        goName: [...enclosing, t.name].join('_'),
        parent: enclosing.length > 0 ? enclosing[enclosing.length - 1] : undefined,
        kind,
        fqn: t.fqn,
      };
      types.set(t.name, [...types.get(t.name) ?? [], entry]);
      for (const p of t.properties ?? []) {
        const goName = p.name.charAt(0).toUpperCase() + p.name.slice(1);
        if (p.static) {
          continue;
        }
        (kind === 'struct' ? fields : getters).add(goName);
      }
      kinds.set(t.fqn, kind);
      for (const m of t.methods ?? []) {
        returned.push([m.name.charAt(0).toUpperCase() + m.name.slice(1), m.returns?.type?.fqn]);
      }
    }
  }
  const returns = new Map<string, Set<'class' | 'struct' | 'other'>>();
  for (const [method, fqn] of returned) {
    const k = fqn ? kinds.get(fqn) : undefined;
    const kind = k === 'struct' ? 'struct' : k === 'class' || k === 'interface' ? 'class' : 'other';
    returns.set(method, (returns.get(method) ?? new Set()).add(kind));
  }
  return { types, modules, getters, fields, returns };
}

/** The assemblies of this project: ours, aws-cdk-lib's and constructs'. */
export function projectAssemblies(root: string): string[] {
  return [
    path.join(root, '.jsii'),
    path.join(root, 'node_modules', 'aws-cdk-lib', '.jsii'),
    path.join(root, 'node_modules', 'constructs', '.jsii'),
  ];
}

/** A TypeScript import: the module and the Go alias (`* as ecs`), or none for named imports. */
function typescriptImports(ts: string): Array<{ module: string; alias?: string }> {
  const out: Array<{ module: string; alias?: string }> = [];
  for (const m of ts.matchAll(/^import\s+(\*\s+as\s+(\w+)|\{[^}]*\}|\w+)\s+from\s+'([^']+)'/gm)) {
    out.push({ module: m[3], alias: m[2] });
  }
  return out;
}

/** Splits a Go line into code and what follows it (a `//` comment), leaving string literals intact. */
function splitComment(line: string): [string, string] {
  let inString: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (inString) {
      if (c === '\\' && inString === '"') {
        i++;
      } else if (c === inString) {
        inString = undefined;
      }
    } else if (c === '"' || c === '`') {
      inString = c;
    } else if (c === '/' && line[i + 1] === '/') {
      return [line.slice(0, i), line.slice(i)];
    }
  }
  return [line, ''];
}

/** Applies `f` to the code of a line outside string literals (and leaves comments alone). */
function mapCode(line: string, f: (code: string) => string): string {
  const [code, comment] = splitComment(line);
  const parts = code.split(/("(?:[^"\\]|\\.)*"|`[^`]*`)/);
  return parts.map((p, i) => (i % 2 === 1 ? p : f(p))).join('') + comment;
}

const lcfirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** The result of the static repairs: the Go source and how many repairs of each class were made. */
export interface FixedSnippet {
  readonly source: string;
  readonly fixes: Record<string, number>;
}

/**
 * Repairs a rosetta Go translation before it is compiled (see the file's comment). `typescript` is the
 * snippet's source (its imports and names), `fixtureNames` the variables its fixture declares.
 */
export function fixGoSnippet(go: string, typescript: string, index: GoTypeIndex): FixedSnippet {
  const fixes: Record<string, number> = {};
  const count = (name: string, n = 1) => {
    if (n > 0) {
      fixes[name] = (fixes[name] ?? 0) + n;
    }
  };
  const lines = go.replace(/\s+$/, '').split('\n');
  const body = lines.filter(l => !/^import (\w+ )?"/.test(l));
  const declared = new Set([...body.join('\n').matchAll(/^\s*(\w+)(?:, \w+)* :?= /gm)].map(m => m[1]));

  // The packages in scope: the TypeScript imports, under their aliases (or the Go package name).
  const scope: Array<{ name: string; importPath: string }> = [];
  for (const imp of typescriptImports(typescript)) {
    const mod = index.modules.get(imp.module);
    if (!mod) {
      throw new Error(`no Go package for the TypeScript import '${imp.module}' (not in the jsii assemblies)`);
    }
    scope.push({ name: imp.alias ?? mod.packageName, importPath: mod.importPath });
  }
  const scopePaths = new Set(scope.map(s => s.importPath));
  const packages = new Set([...scope.map(s => s.name), 'jsii', 'fmt']);
  const text = body.join('\n');
  const added = new Map<string, string>(); // import path -> name, for packages only a qualified type needs

  /** The Go spelling of an unqualified type name rosetta wrote, or undefined when it is not a jsii type. */
  const qualify = (name: string): GoType | undefined => {
    const candidates = index.types.get(name);
    if (!candidates || candidates.length === 0) {
      return undefined;
    }
    const score = (t: GoType) => (scopePaths.has(t.importPath) ? 2 : 0)
      + (t.parent && new RegExp(`\\b${t.parent}\\b`).test(`${text}\n${typescript}`) ? 3 : 0)
      + (t.parent ? 0 : 1);
    return [...candidates].sort((a, b) => score(b) - score(a))[0];
  };
  const packageRef = (t: GoType): string => {
    const inScope = scope.find(s => s.importPath === t.importPath);
    if (inScope) {
      return inScope.name;
    }
    const taken = new Set([...scope.map(s => s.name), ...added.values()]);
    let name = added.get(t.importPath) ?? t.packageName;
    if (!added.has(t.importPath) && taken.has(name)) {
      name = `${name}${taken.size}`;
    }
    added.set(t.importPath, name);
    return name;
  };
  /** `T` of a slice or map element type, qualified, with `*` for structs (jsii passes structs by pointer). */
  const elementType = (star: string, name: string): string => {
    if (/^(string|float64|bool|interface\{\})$/.test(name)) {
      return `${star}${name}`;
    }
    if (name.includes('.')) {
      return `${star}${name}`;
    }
    const t = qualify(name);
    if (!t) {
      return `${star}${name}`;
    }
    return `${t.kind === 'struct' ? '*' : ''}${packageRef(t)}.${t.goName}`;
  };

  const out = body.map(line => mapCode(line, code => {
    let c = code;
    // jsii-runtime-go's helper for booleans is jsii.Bool
    c = c.replace(/\bjsii\.Boolean\(/g, () => {
      count('jsii.Bool');
      return 'jsii.Bool(';
    });
    // Duration_*Days: a dereference inside a name
    c = c.replace(/(\w)_\*([A-Z]\w*)/g, (_m, a, b) => {
      count('dereference in a name');
      return `${a}_${b}`;
    });
    // Shorthand properties: `Credentials: *Credentials`, `Outdir: jsii.String(Outdir)`, `Now: Now`
    c = c.replace(/\b([A-Z]\w*): (?:\*|jsii\.(?:String|Number|Bool)\()?([A-Z]\w*)\)?(?=,|$|\s*$)/g, (m, field, value) => {
      if (field !== value || declared.has(value)) {
        return m;
      }
      count('shorthand property');
      return `${field}: ${lcfirst(value)}`;
    });
    // jsii.String(x) of a variable the snippet does not declare: the fixture's, already a pointer
    c = c.replace(/\bjsii\.(String|Number|Bool)\(([A-Za-z_]\w*)\)/g, (m, _kind, name) => {
      if (declared.has(name) || /^(true|false|nil)$/.test(name)) {
        return m;
      }
      count('jsii.String of a pointer');
      return lcfirst(name);
    });
    // Untyped JSON (Record<string, any>): rosetta types nested literals from their contents
    // (map[string]map[string][]map[string]*string{); their values differ in type, so they are interface{}.
    c = c.replace(/(^|[^\]\w])(map\[string\]|\[\])((?:map\[string\]|\[\])[\w\[\]*{}]*?)\{(?=$|\s*$)/g, (_m, before, outer) => {
      count('nested JSON literal as interface{}');
      return `${before}${outer}interface{}{`;
    });
    // Unqualified struct literals: &Foo{
    c = c.replace(/&([A-Z]\w*)\{/g, (m, name) => {
      const t = qualify(name);
      if (!t) {
        return m;
      }
      count('unqualified type');
      return `&${packageRef(t)}.${t.goName}{`;
    });
    // Slices at a value: []T{ becomes &[]T'{ (not a slice type inside a map type: map[string][]T)
    c = c.replace(/(^|[^\]\w])\[\](\*?)([\w.]+|interface\{\})\{/g, (_m, before, star, name) => {
      count('slice to pointer');
      const t = elementType(star, name);
      if (t !== `${star}${name}`) {
        count('unqualified type');
      }
      return `${before}&[]${t}{`;
    });
    // A unary * before a value: after `: `, `(`, `, `, `= ` or at the start of an element line
    c = c.replace(/(^\s*|: |\(|, |= )\*(?=[A-Za-z_])/g, (_m, before) => {
      count('dereference of a value');
      return before;
    });
    // Exported member names: x.foo( and x.foo, Type_foo(
    c = c.replace(/([\w)\]])\.([a-z]\w*)/g, (m, before, member, offset, whole) => {
      // a package's member (jsii.String) is exported already; a lowercase selector is a jsii member
      const receiver = /(\w+)$/.exec(whole.slice(0, offset + 1))?.[1];
      if (receiver && /^\d+$/.test(receiver)) {
        return m; // a number: 1.5
      }
      count('member name case');
      return `${before}.${member.charAt(0).toUpperCase()}${member.slice(1)}`;
    });
    c = c.replace(/\b([A-Z]\w*)_([a-z]\w*)\(/g, (_m, type, member) => {
      count('member name case');
      return `${type}_${member.charAt(0).toUpperCase()}${member.slice(1)}(`;
    });
    // Template literals: fmt.Sprintf gives a string where jsii takes *string
    c = c.replace(/(^|[^.\w])fmt\.Sprintf\(/g, (_m, before) => {
      count('fmt.Sprintf to *string');
      added.set('fmt', 'fmt');
      return `${before}jsii.String(fmt.Sprintf(`;
    });
    return c;
  }));
  // A property read of a class instance is a getter call in Go (`repo.Access()`; `.Template` of the
  // CloudFormationStackArtifact that GetStackByName returns is `.Template()`): a name that only classes have
  // as a property, or one that structs have too when the receiver is known to be a class instance (a
  // constructor's or a method's result that is one). Passed where Go takes interface{}, the method value
  // would compile and be wrong.
  const receiverKind = (code: string, dot: number, depth = 0): 'class' | 'struct' | undefined => {
    if (depth > 3) {
      return undefined;
    }
    if (code[dot - 1] === ')') {
      let d = 0;
      let i = dot - 1;
      for (; i >= 0; i--) {
        if (code[i] === ')') {
          d++;
        } else if (code[i] === '(' && --d === 0) {
          break;
        }
      }
      const callee = /(?:\b(\w+)\.)?(\w+)$/.exec(code.slice(0, i));
      if (!callee) {
        return undefined;
      }
      const ctor = /^New(\w+)$/.exec(callee[2]);
      if (ctor && (!callee[1] || packages.has(callee[1]))) {
        return index.types.get(ctor[1])?.some(t => t.kind === 'class') ? 'class' : undefined;
      }
      const method = callee[2].includes('_') ? callee[2].slice(callee[2].lastIndexOf('_') + 1) : callee[2];
      const kinds = index.returns.get(method);
      return kinds && kinds.size === 1 ? ([...kinds][0] === 'other' ? undefined : [...kinds][0] as 'class' | 'struct') : undefined;
    }
    const ident = /(\w+)$/.exec(code.slice(0, dot))?.[1];
    const decl = ident ? bodyCode.find(l => new RegExp(`^\\s*${ident} :?= `).test(l)) : undefined;
    if (!decl) {
      return undefined;
    }
    const rhs = decl.replace(/^\s*\w+ :?= /, '').trimEnd();
    if (/^&\w+\.\w+\{$/.test(rhs) || /^&\w+\{$/.test(rhs)) {
      return 'struct';
    }
    return rhs.endsWith(')') ? receiverKind(rhs, rhs.length, depth + 1) : undefined;
  };
  const masked = (l: string) => {
    const [code] = splitComment(l);
    return code.replace(/"(?:[^"\\]|\\.)*"|`[^`]*`/g, x => `"${'_'.repeat(x.length - 2)}"`);
  };
  const bodyCode = out.map(masked);
  for (let n = 0; n < out.length; n++) {
    const code = bodyCode[n];
    const edits: number[] = [];
    for (const m of code.matchAll(/([\w)\]])\.([A-Z]\w*)(?![\w({_])/g)) {
      const dot = m.index! + 1;
      const receiver = /(\w+)$/.exec(code.slice(0, dot))?.[1];
      if (receiver && (packages.has(receiver) || /^[A-Z]/.test(receiver))) {
        continue; // a package's member (a type), or a type's
      }
      const member = m[2];
      if (!index.getters.has(member)) {
        continue;
      }
      if (index.fields.has(member) && receiverKind(code, dot) !== 'class') {
        continue;
      }
      edits.push(dot + 1 + member.length);
    }
    for (const at of edits.reverse()) {
      out[n] = `${out[n].slice(0, at)}()${out[n].slice(at)}`;
      count('property getter call');
    }
  }

  // Close the jsii.String( opened before fmt.Sprintf: after the Sprintf call's closing parenthesis.
  let joined = out.join('\n');
  let at = joined.indexOf('jsii.String(fmt.Sprintf(');
  while (at >= 0) {
    let depth = 0;
    let i = at + 'jsii.String(fmt.Sprintf'.length;
    for (; i < joined.length; i++) {
      if (joined[i] === '"') {
        for (i++; i < joined.length && joined[i] !== '"'; i++) {
          if (joined[i] === '\\') {
            i++;
          }
        }
      } else if (joined[i] === '(') {
        depth++;
      } else if (joined[i] === ')' && --depth === 0) {
        break;
      }
    }
    joined = `${joined.slice(0, i + 1)})${joined.slice(i + 1)}`;
    at = joined.indexOf('jsii.String(fmt.Sprintf(', i);
  }

  // fmt.Sprintf's arguments are jsii values (*string, *float64): formatted, they are what they point to
  joined = joined.replace(/(fmt\.Sprintf\("(?:[^"\\]|\\.)*")((?:, [\w.()]+)+)\)/g, (_m, format, args: string) =>
    `${format}${args.split(', ').map(a => (a === '' ? a : `*${a}`)).join(', ')})`);

  // Imports: those of the TypeScript source that the Go code uses, and the packages qualified types need.
  const uses = (name: string) => new RegExp(`(^|[^.\\w])${name}\\.`, 'm').test(joined.split('\n').map(l => splitComment(l)[0]).join('\n'));
  const imports = new Map<string, string>();
  for (const s of scope) {
    if (uses(s.name)) {
      imports.set(`${s.name}\0${s.importPath}`, s.importPath.endsWith(`/${s.name}`) || s.importPath.split('/').slice(-2)[0] === s.name && /\/v\d+$/.test(s.importPath)
        ? `import "${s.importPath}"` : `import ${s.name} "${s.importPath}"`);
    }
  }
  for (const [importPath, name] of added) {
    imports.set(`${name}\0${importPath}`, importPath === 'fmt' || importPath.endsWith(`/${name}`) ? `import "${importPath}"` : `import ${name} "${importPath}"`);
  }
  const rosettaImports = lines.length - body.length;
  count('imports rewritten', rosettaImports > 0 || imports.size > 0 ? 1 : 0);
  return { source: [...imports.values(), ...joined.split('\n')].join('\n'), fixes };
}

/** One compiler error at a line and column of a written program. */
export interface GoError {
  readonly line: number;
  readonly column: number;
  readonly message: string;
  /** The message with the indented lines that follow it (`have (...)`, `want (...)`). */
  detail?: string;
}

/** The `)` that closes the `(` at `open` of line `lineIndex` (strings skipped), maybe on a later line. */
function matchingParen(lines: string[], lineIndex: number, open: number): { line: number; column: number } | undefined {
  let depth = 0;
  for (let l = lineIndex; l < lines.length; l++) {
    const code = splitComment(lines[l])[0];
    for (let i = l === lineIndex ? open : 0; i < code.length; i++) {
      const c = code[i];
      if (c === '"') {
        for (i++; i < code.length && code[i] !== '"'; i++) {
          if (code[i] === '\\') {
            i++;
          }
        }
      } else if ('([{'.includes(c)) {
        depth++;
      } else if (')]}'.includes(c) && --depth === 0) {
        return c === ')' ? { line: l, column: i } : undefined;
      }
    }
  }
  return undefined;
}

/** Inserts `text` before the 1-based column of a line. */
function insertAt(line: string, column: number, text: string): string {
  return line.slice(0, column - 1) + text + line.slice(column - 1);
}

/** The index just after the expression that starts at `start` (balanced brackets, up to `,` `)` `}` or the line's end). */
function expressionEnd(line: string, start: number): number {
  let depth = 0;
  for (let i = start; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      for (i++; i < line.length && line[i] !== '"'; i++) {
        if (line[i] === '\\') {
          i++;
        }
      }
    } else if ('([{'.includes(c)) {
      depth++;
    } else if (')]}'.includes(c)) {
      if (depth === 0) {
        return i;
      }
      depth--;
    } else if ((c === ',' || c === ' ' || c === '/') && depth === 0) {
      return i;
    }
  }
  return line.length;
}

/**
 * Repairs a written program from the compiler's errors at its lines (see the file's comment). Returns the
 * new text and the repairs made; an error that no repair class covers is left for the report.
 */
export function fixFromErrors(text: string, errors: Array<GoError & { detail?: string }>): { text: string; fixes: Record<string, number> } {
  const lines = text.split('\n');
  const fixes: Record<string, number> = {};
  const count = (name: string) => {
    fixes[name] = (fixes[name] ?? 0) + 1;
  };
  // Right to left within a line, so that earlier columns stay valid.
  const sorted = [...errors].sort((a, b) => a.line - b.line || b.column - a.column);
  const done = new Set<string>();
  for (const e of sorted) {
    const key = `${e.line}:${e.column}`;
    if (done.has(key)) {
      continue;
    }
    const i = e.line - 1;
    const line = lines[i];
    if (line === undefined) {
      continue;
    }
    const m = e.message;
    if (/\(value of type func\(\) [^)]*\) (?:as .* value|is not used)/.test(m) || /^cannot use .* \(value of type func\(\) /.test(m)) {
      const end = expressionEnd(line, e.column - 1);
      lines[i] = `${line.slice(0, end)}()${line.slice(end)}`;
      count('property getter call');
    } else if (/^not enough arguments in call to /.test(m)) {
      const detail = e.detail ?? m;
      const have = /have \(([^)]*)\)/.exec(detail)?.[1];
      const want = /want \(([^)]*)\)/.exec(detail)?.[1];
      const callee = /in call to (?:.*\.)?(\w+)\s*$/.exec(m.split('\n')[0])?.[1];
      if (have === undefined || want === undefined || !callee) {
        continue;
      }
      const params = (x: string) => (x.trim() === '' ? 0 : x.split(',').length);
      const missing = params(want) - params(have);
      // the call: the last `callee(` of the line that starts at or before the error's column, else the first
      const starts = [...line.matchAll(new RegExp(`\\b${callee}\\(`, 'g'))].map(x => x.index! + callee.length);
      const open = [...starts].reverse().find(x => x <= e.column - 1 + callee.length) ?? starts[0];
      const close = open === undefined ? undefined : matchingParen(lines, i, open);
      if (missing <= 0 || !close) {
        continue;
      }
      const closeLine = lines[close.line];
      const before = closeLine.slice(0, close.column).trimEnd();
      lines[close.line] = `${closeLine.slice(0, close.column)}${before.endsWith('(') || before === '' ? '' : ', '}${Array(missing).fill('nil').join(', ')}${closeLine.slice(close.column)}`;
      count('nil for an omitted optional parameter');
    } else if (/ undefined \(type func\(\) [^)]* has no field or method /.test(m)) {
      // `access := repo.Access` read a getter without calling it: call it where the variable is declared
      const receiver = /^(\w+)\.\w+ undefined/.exec(m)?.[1];
      const decl = receiver ? lines.findIndex(l => new RegExp(`^\\s*${receiver} :?= `).test(l)) : -1;
      if (decl < 0) {
        continue;
      }
      const [code, comment] = splitComment(lines[decl]);
      if (!/\.[A-Z]\w*\s*$/.test(code)) {
        continue;
      }
      lines[decl] = `${code.trimEnd()}()${comment ? ` ${comment}` : ''}`;
      count('property getter call');
    } else if (/^\S.* \((?:variable|value) of [^)]*\) is not used$/.test(m) && !/of type func\(\)/.test(m)) {
      // an expression shown to the reader (`report.violations;`): Go needs a statement
      lines[i] = insertAt(line, e.column, '_ = ');
      count('expression statement');
    } else if (/^cannot use .* \(value of type (?:map\[|\[\])[^)]*\) as \*/.test(m) || /^cannot use .* \(value of type ([^)]*)\) as \*\1 value/.test(m)) {
      lines[i] = insertAt(line, e.column, '&');
      count('address of a literal');
    } else if (/^invalid operation: cannot indirect /.test(m)) {
      if (line[e.column - 1] === '*') {
        lines[i] = line.slice(0, e.column - 1) + line.slice(e.column);
        count('dereference of a value');
      }
    } else if (/^invalid operation: cannot call non-function /.test(m)) {
      const open = line.indexOf('()', e.column - 1);
      if (open >= 0) {
        lines[i] = line.slice(0, open) + line.slice(open + 2);
        count('call of an enum member');
      }
    } else if (/^cannot use .* \(variable of type \*(string|float64|bool)\) as \1 value/.test(m)) {
      lines[i] = insertAt(line, e.column, '*');
      count('value of a pointer');
    } else {
      continue;
    }
    done.add(key);
  }
  return { text: lines.join('\n'), fixes };
}
