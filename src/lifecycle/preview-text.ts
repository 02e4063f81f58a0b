/**
 * The lifecycle preview of a policy text, without the typed rule classes (and so without
 * aws-cdk-lib): what the live report's usage reads use. `LifecyclePolicy.fromJson(text).preview()`
 * gives the same answer.
 */
import { compileRule, evaluate, prepareImages } from './evaluate';
import { hasTokens, parsePolicy, RuleSpec, validateRules } from './model';
import { ImageDescription, LifecyclePreview, PreviewOptions } from './preview';
import { EcrValidationError, Violations } from '../private/errors';

/** The path in messages of a policy used outside any construct. */
const STANDALONE_PATH = 'LifecyclePolicy';

/** What rules given by priority would do to these images now (or at `options.now`). */
export function previewSpecs(specs: readonly RuleSpec[], images: ImageDescription[], options: PreviewOptions = {}): LifecyclePreview {
  if (specs.some(hasTokens)) {
    throw new EcrValidationError(STANDALONE_PATH, 'invalid rules (unresolved tokens): a preview needs concrete values');
  }
  const now = options.now ?? new Date();
  const v = new Violations(`${STANDALONE_PATH}.preview`);
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    v.add('now', now, 'must be a valid Date');
  }
  if (!Array.isArray(images)) {
    v.add('images', images, 'must be a list of image descriptions');
  }
  const prepared = prepareImages(Array.isArray(images) ? images : [], (i, field, value, allowed) => v.add(`images[${i}]${field ? `.${field}` : ''}`, value, allowed));
  v.throwIfAny();
  const decisions = evaluate(specs.map(compileRule), prepared, now.getTime());
  return new LifecyclePreview(decisions);
}

/** Parse and check a policy text (the errors of `LifecyclePolicy.fromJson`); the rules by priority. */
export function parsePolicyText(text: string): RuleSpec[] {
  const v = new Violations(`${STANDALONE_PATH}.fromJson`);
  const specs = parsePolicy(text, v);
  if (specs !== undefined && v.empty) {
    validateRules(specs, v);
  }
  v.throwIfAny();
  const key = (s: RuleSpec) => (typeof s.rulePriority === 'number' ? s.rulePriority : Number.MAX_SAFE_INTEGER);
  return specs!.map((s, i) => ({ s, i })).sort((a, b) => key(a.s) - key(b.s) || a.i - b.i).map(x => x.s);
}

/** `LifecyclePolicy.fromJson(text).preview(images, options)`, without the typed rules. */
export function previewPolicyText(text: string, images: ImageDescription[], options: PreviewOptions = {}): LifecyclePreview {
  return previewSpecs(parsePolicyText(text), images, options);
}
