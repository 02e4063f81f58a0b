import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * The construct path of a construct that is about to be created as `id` under `scope`.
 *
 * Validation runs before `super(...)`, so the construct does not exist yet; the path is
 * still the one users see in `cdk synth` output.
 */
export function pathOf(scope: IConstruct, id?: string): string {
  const parent = scope.node.path;
  if (id === undefined) {
    return parent || '<app>';
  }
  return parent ? `${parent}/${id}` : id;
}

/** Render a received value for an error message: strings quoted, objects as JSON. */
export function renderValue(value: unknown): string {
  if (value === undefined) {
    return 'undefined';
  }
  if (typeof value === 'string') {
    return JSON.stringify(value);
  }
  try {
    const json = JSON.stringify(value);
    return json.length > 200 ? `${json.slice(0, 197)}...` : json;
  } catch {
    return String(value);
  }
}

/** One violation: which property, what was received, what is allowed. */
export interface Violation {
  readonly property: string;
  readonly value: unknown;
  readonly allowed: string;
}

/** Format one violation as `<path>: invalid <property> <value>: <allowed>`. */
export function formatViolation(path: string, v: Violation): string {
  return `${path}: invalid ${v.property} ${renderValue(v.value)}: ${v.allowed}`;
}

/** The error every validation of this library throws. */
export class EcrValidationError extends Error {
  constructor(message: string, public readonly violations: Violation[] = []) {
    super(message);
    this.name = 'ValidationError';
  }
}

/**
 * Collects every violation of one construct's props and throws them together, once.
 *
 * Constructs check all their props with one collector before creating any child,
 * so a bad input never leaves a half-created tree.
 */
export class Violations {
  private readonly items: Violation[] = [];

  constructor(private readonly path: string) {}

  /** Record a violation. */
  public add(property: string, value: unknown, allowed: string): this {
    this.items.push({ property, value, allowed });
    return this;
  }

  /** Record a violation when `ok` is false. */
  public check(ok: boolean, property: string, value: unknown, allowed: string): this {
    if (!ok) {
      this.add(property, value, allowed);
    }
    return this;
  }

  /** Whether nothing has been recorded. */
  public get empty(): boolean {
    return this.items.length === 0;
  }

  /** The messages recorded so far (for `node.addValidation`). */
  public messages(): string[] {
    return this.items.map(v => formatViolation(this.path, v));
  }

  /** Throw one error listing every violation, if any. */
  public throwIfAny(): void {
    if (this.items.length === 0) {
      return;
    }
    const lines = this.messages();
    const message = lines.length === 1
      ? lines[0]
      : `${this.path}: ${lines.length} invalid properties:\n${lines.map(l => `  - ${l.slice(this.path.length + 2)}`).join('\n')}`;
    throw new EcrValidationError(message, [...this.items]);
  }
}

/** True when the value (string, number, list or object) contains an unresolved token. */
export function isUnresolved(value: unknown): boolean {
  if (value === undefined || value === null) {
    return false;
  }
  return Token.isUnresolved(value);
}
