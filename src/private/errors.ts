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

/** One invalid property of a construct's props. */
export interface Violation {
  /**
   * The property, with its path inside the props, e.g. `repositories[0].lambdaPull.functionArns[0]`.
   */
  readonly property: string;

  /**
   * The value received.
   *
   * @default - the property was not given
   */
  readonly value?: any;

  /**
   * What is allowed, in words.
   */
  readonly allowed: string;
}

/** Format one violation as `<path>: invalid <property> <value>: <allowed>`. */
export function formatViolation(path: string, v: Violation): string {
  return `${path}: invalid ${v.property} ${renderValue(v.value)}: ${v.allowed}`;
}

const ECR_VALIDATION_ERROR = Symbol.for('cdk-ecr-registry.EcrValidationError');

/**
 * The error every synth-time check of this library throws: bad props, or a method called in a
 * way that cannot work. Its message names the construct path, each invalid property, the value
 * received and what is allowed; `constructPath` and `violations` carry the same facts as data.
 *
 * It is an `Error` (`instanceof Error` holds; it has `name`, `message` and `stack`). Recognize it
 * with `EcrValidationError.isEcrValidationError(e)`, which tests a `Symbol.for` brand as aws-cdk-lib's
 * `Errors.isValidationError` does, so it also works across copies of the library.
 */
export class EcrValidationError {
  /**
   * Whether `x` is an `EcrValidationError` (of any copy of this library).
   */
  public static isEcrValidationError(x: any): x is EcrValidationError {
    return x !== null && typeof x === 'object' && ECR_VALIDATION_ERROR in x;
  }

  /** Always `EcrValidationError`. */
  public readonly name: string;

  /** The construct path, then what is wrong and what is allowed. */
  public readonly message: string;

  /**
   * Where the error was thrown.
   *
   * @default - the JavaScript stack trace
   */
  public readonly stack?: string;

  /**
   * The path of the construct whose props or call are invalid (`<app>` for the app itself), or
   * the API called when no construct is involved (`LifecyclePolicy.fromJson`, `RegistryBaseline.shardOf`).
   */
  public readonly constructPath: string;

  /**
   * Every invalid property, in the order found (empty when the error is about a call rather than props).
   */
  public readonly violations: Violation[];

  /**
   * @param constructPath the construct's path; the message starts with it
   * @param detail what is wrong and what is allowed
   * @param violations the invalid properties
   */
  constructor(constructPath: string, detail: string, violations: Violation[] = []) {
    Object.defineProperty(this, ECR_VALIDATION_ERROR, { value: true });
    this.name = 'EcrValidationError';
    this.message = constructPath ? `${constructPath}: ${detail}` : detail;
    this.constructPath = constructPath;
    this.violations = violations;
    Error.captureStackTrace(this, new.target);
  }
}

// An Error at run time. jsii cannot represent a subclass of Error (aws/jsii#50), so the class
// extends it here rather than in its declaration.
Object.setPrototypeOf(EcrValidationError.prototype, Error.prototype);

/**
 * Collects every violation of one construct's props and throws them together, once.
 *
 * Constructs check all their props with one collector before creating any child,
 * so a bad input never leaves a half-created tree.
 */
export class Violations {
  /**
   * @param path the construct path the messages start with
   * @param items where violations go (shared with the collectors `nested` returns)
   * @param prefix put before every property name
   */
  constructor(private readonly path: string, private readonly items: Violation[] = [], private readonly prefix: string = '') {}

  /**
   * A collector that records into this one, with `prefix` before every property name
   * (`repositories[0].lambdaPull.`): a composite construct hands it to its parts' collectors.
   */
  public nested(prefix: string): Violations {
    return new Violations(this.path, this.items, `${this.prefix}${prefix}`);
  }

  /** Record a violation. An empty `property` names the nested collector's prefix itself (`lambdaPull`). */
  public add(property: string, value: unknown, allowed: string): this {
    const full = property === '' ? this.prefix.replace(/\.$/, '') : `${this.prefix}${property}`;
    this.items.push({ property: full, value, allowed });
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

  /** How many violations have been recorded (by this collector and every nested one). */
  public get count(): number {
    return this.items.length;
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
    const lines = this.messages().map(l => l.slice(this.path.length + 2));
    const detail = lines.length === 1
      ? lines[0]
      : `${lines.length} invalid properties:\n${lines.map(l => `  - ${l}`).join('\n')}`;
    throw new EcrValidationError(this.path, detail, [...this.items]);
  }
}
