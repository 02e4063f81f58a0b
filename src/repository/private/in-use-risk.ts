import { Annotations, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';
import { compileRule, owningRule } from '../../lifecycle/evaluate';
import { InUseProtection } from '../../lifecycle/in-use';
import { LifecyclePolicy } from '../../lifecycle/policy';
import { LifecycleRule } from '../../lifecycle/rule';
import { addWarningWithoutTrace } from '../../private/annotations';
import { InUseReference, inUseReferencesOf } from '../../private/in-use-references';
import { isUnresolved } from '../../private/tokens';

/** The warning id of a reference a lifecycle rule can expire or archive while it is used. */
export const IN_USE_AT_RISK = 'cdk-ecr-registry:inUseAtRisk';

/** The info id of the references only the default policy's count rule (keep 1,000 tagged) selects. */
export const IN_USE_COUNT_NOTE = 'cdk-ecr-registry:inUseCountRule';

/** What a repository gives the check. */
export interface RiskSubject {
  readonly repository: ecr.Repository;
  /** The policy as rendered; undefined when the repository renders aws-cdk-lib `lifecycleRules`. */
  readonly policy?: LifecyclePolicy;
  readonly mutability: ecr.TagMutability;
}

/** A construct that uses an image, and how it names it in messages. */
interface Consumer {
  readonly scope: IConstruct;
  readonly label: string;
}

/**
 * The constructs of the app that use each image URI: ECS container definitions (`imageName`) and
 * Lambda functions (`Code.ImageUri`). Matched by the very string a reference handed out, so the
 * link survives across stacks (the template only shows an `Fn::ImportValue` there).
 */
function consumersByUri(root: IConstruct, uris: Set<string>): Map<string, Consumer[]> {
  const found = new Map<string, Consumer[]>();
  const add = (uri: unknown, consumer: Consumer) => {
    if (typeof uri === 'string' && uris.has(uri)) {
      (found.get(uri) ?? found.set(uri, []).get(uri)!).push(consumer);
    }
  };
  for (const c of root.node.findAll()) {
    if (c instanceof ecs.ContainerDefinition) {
      add(c.imageName, { scope: c, label: `ECS container ${c.node.path}` });
    } else if (c instanceof lambda.CfnFunction) {
      const code = c.code as lambda.CfnFunction.CodeProperty | undefined;
      if (code !== undefined && !isUnresolved(code) && typeof code === 'object') {
        add(code.imageUri, { scope: c.node.scope ?? c, label: `Lambda function ${(c.node.scope ?? c).node.path}` });
      }
    }
  }
  return found;
}

/** The policy of the repository: the `LifecyclePolicy`, or aws-cdk-lib's rendered `lifecycleRules` parsed. */
function policyOf(subject: RiskSubject): LifecyclePolicy | undefined {
  if (subject.policy !== undefined) {
    return subject.policy;
  }
  const cfn = subject.repository.node.defaultChild as ecr.CfnRepository;
  const rendered = Stack.of(subject.repository).resolve(cfn.lifecyclePolicy);
  const text = rendered?.lifecyclePolicyText;
  if (typeof text !== 'string') {
    return undefined;
  }
  try {
    return LifecyclePolicy.fromJson(text);
  } catch {
    // aws-cdk-lib rendered something our model rejects: no warning rather than a wrong one.
    return undefined;
  }
}

function selectionText(rule: LifecycleRule): string {
  switch (rule.tagStatus) {
    case 'untagged':
      return 'untagged images';
    case 'any':
      return 'images';
    default: {
      const patterns = rule.tagPatternList ?? (rule.tagPrefixList ?? []).map(p => `${p}*`);
      return patterns.length === 1 && patterns[0] === '*' ? 'tagged images' : `images tagged ${patterns.join(' and ')}`;
    }
  }
}

const number = (n: number) => n.toLocaleString('en-US');

/** What the rule does to an image it owns, in words ("expires it 30 days after push"). */
function effect(rule: LifecycleRule, object: string = 'it'): string {
  const verb = rule.action === 'transition' ? 'archives' : 'expires';
  const days = `${number(rule.countNumber)} day${rule.countNumber === 1 ? '' : 's'}`;
  switch (rule.countType) {
    case 'sinceImagePushed':
      return `${verb} ${object} ${days} after ${object === 'it' ? 'it was' : 'they were'} pushed`;
    case 'sinceImagePulled':
      return `${verb} ${object} ${days} after ${object === 'it' ? 'its' : 'their'} last pull`;
    default:
      return `${verb} ${object} once more than ${number(rule.countNumber)} newer ${selectionText(rule)} are pushed`;
  }
}

/** The default policy's count rule: keep the 1,000 most recent tagged images (any priority). */
function isDefaultCountRule(rule: LifecycleRule): boolean {
  return rule.tagStatus === 'tagged' && rule.countType === 'imageCountMoreThan'
    && rule.countNumber === LifecyclePolicy.DEFAULT_TAGGED_IMAGES_KEPT && rule.action === 'expire'
    && rule.storageClass === 'standard'
    && JSON.stringify(rule.tagPatternList) === '["*"]';
}

/**
 * How messages name the repository: its name when the template knows it (`payments/api`), with its
 * construct path; the path alone when the name is generated at deploy or a token.
 */
export function repositoryLabel(repository: ecr.Repository): string {
  const cfn = repository.node.defaultChild as ecr.CfnRepository | undefined;
  const name = cfn?.repositoryName;
  return typeof name === 'string' && !isUnresolved(name) ? `${name} (${repository.node.path})` : repository.node.path;
}

function describeReference(ref: InUseReference): string {
  return ref.tag !== undefined ? `tag ${ref.tag}` : `digest ${ref.digest}`;
}

/**
 * At synth: warn, on the construct that uses the image (or where the reference was made), for each
 * unprotected reference to an image of this repository that a rule of its lifecycle policy can
 * expire or archive (docs/in-use.md, "Synth warnings"). Adds nothing for token tags or digests,
 * token policies, or references covered by an `ImageCheck` with `protectInUse`.
 */
export function warnInUseRisks(subject: RiskSubject): void {
  const refs = inUseReferencesOf(subject.repository).filter(r => !isUnresolved(r.tag ?? r.digest));
  const protectedKeys = new Set(refs.filter(r => r.protected).map(r => r.tag !== undefined ? `t:${r.tag}` : `d:${r.digest}`));
  const open = refs.filter(r => !r.protected && !protectedKeys.has(r.tag !== undefined ? `t:${r.tag}` : `d:${r.digest}`));
  if (open.length === 0) {
    return;
  }
  const policy = policyOf(subject);
  if (policy === undefined || policy._hasTokens()) {
    return;
  }
  const rules = policy.rules;
  const compiled = rules.map(r => compileRule(r._spec()));
  const consumers = consumersByUri(subject.repository.node.root, new Set(open.map(r => r.uri)));
  const immutable = subject.mutability === ecr.TagMutability.IMMUTABLE;
  // Notes (one info per repository): rule -> the references it owns.
  const notes = new Map<LifecycleRule, Set<string>>();
  const note = (rule: LifecycleRule, label: string) => (notes.get(rule) ?? notes.set(rule, new Set()).get(rule)!).add(label);
  const warned = new Set<string>();
  const repositoryName = repositoryLabel(subject.repository);

  for (const ref of open) {
    // A tag reference is an image carrying that tag; a digest reference is selected by its tags,
    // unknown at synth, and by untagged/any rules once it has none (ECR user guide: untagged rules
    // select images without tags; a pushed tag that moves leaves the previous image untagged).
    const index = owningRule(compiled, ref.tag !== undefined ? [ref.tag] : []);
    if (index < 0) {
      continue;
    }
    const rule = rules[index];
    if (InUseProtection.isProtectionRule(rule)) {
      continue;
    }
    const users = consumers.get(ref.uri) ?? [];
    const what = `the image with ${describeReference(ref)} in repository ${repositoryName}`;
    if (ref.tag !== undefined && isDefaultCountRule(rule)) {
      note(rule, `:${ref.tag}`);
      continue;
    }
    let when: string;
    if (ref.digest !== undefined) {
      if (rule.tagStatus === 'untagged' && immutable) {
        // Tags of an IMMUTABLE repository never move: only a deleted tag or an untagged push leaves it untagged.
        note(rule, `@${ref.digest}`);
        continue;
      }
      when = rule.tagStatus === 'untagged'
        ? 'once it has no tag (a push that moves its tag leaves it untagged, the repository\'s tags being MUTABLE), '
        : '';
    } else {
      when = '';
    }
    const message = `${what} (${ref.via}) can be removed while it runs: rule ${rule.rulePriority} of the repository's lifecycle policy `
      + `selects it ${when}and ${effect(rule)}. Protect it with an ImageCheck with protectInUse: true on this image, `
      + 'or change the rule (docs/in-use.md).';
    const targets: Consumer[] = users.length > 0 ? users : [{ scope: ref.fallback ?? subject.repository, label: ref.via }];
    for (const target of targets) {
      const key = `${target.scope.node.path}|${message}`;
      if (!warned.has(key)) {
        warned.add(key);
        addWarningWithoutTrace(target.scope, IN_USE_AT_RISK, users.length > 0 ? `${target.label} uses ${message}` : message);
      }
    }
  }

  if (notes.size > 0) {
    const parts = [...notes].map(([rule, labels]) => {
      const list = [...labels].sort();
      const shown = `${list.slice(0, 5).join(', ')}${list.length > 5 ? `, and ${list.length - 5} more` : ''}`;
      return rule.tagStatus === 'untagged'
        ? `rule ${rule.rulePriority} ${effect(rule, 'images')} that have no tag (tags of this IMMUTABLE repository never move; only a deleted tag or an untagged push leave an image untagged): ${shown}`
        : `rule ${rule.rulePriority} ${effect(rule, 'images')}: ${shown}`;
    });
    Annotations.of(subject.repository).addInfoV2(IN_USE_COUNT_NOTE,
      `images this app references are kept only while the lifecycle policy keeps them: ${parts.join('; ')}. `
      + 'Protect them with an ImageCheck with protectInUse: true (docs/in-use.md).');
  }
}
