/**
 * Reading template properties into the model, written against a `TemplateContext` (no
 * aws-cdk-lib): every value a property can take, deploy-time values kept as such.
 */
import { TemplateContext } from './descriptor';
import { isIntrinsic } from './intrinsic';
import { DeployTimeValue, Possible, ResourceTag } from './settings';
import { deployTime } from './values';

/** A literal string, else `undefined`. */
export function literal(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** A string, or a deploy-time value for anything else. */
export function textOrDeployTime(v: unknown): string | DeployTimeValue {
  return typeof v === 'string' ? v : deployTime(v);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every value of a property, mapped (`null` when unknown). */
export function possibleOf<T>(ctx: TemplateContext, value: unknown, map: (v: unknown) => T): Possible<T> {
  const values = ctx.possible(value);
  return values ? values.map(map) : null;
}

/** Every value `container.key` can take (a container that is not an object gives `undefined`). */
export function fieldOf(ctx: TemplateContext, container: unknown, key: string): Possible<unknown> {
  const outer = ctx.possible(container);
  if (!outer) {
    return null;
  }
  const values: unknown[] = [];
  for (const o of outer) {
    if (!isObject(o)) {
      values.push(undefined);
      continue;
    }
    const inner = ctx.possible(o[key]);
    if (!inner) {
      return null;
    }
    values.push(...inner);
  }
  return values;
}

/** A KMS key as written: a reference of any kind is a deploy-time value (not expanded). */
export function kmsKeys(ctx: TemplateContext, encryption: unknown): Possible<string | DeployTimeValue | undefined> {
  const outer = ctx.possible(encryption);
  if (!outer) {
    return null;
  }
  return outer.map(cfg => {
    const key = isObject(cfg) ? cfg.KmsKey : undefined;
    if (isIntrinsic(key) || (key !== undefined && typeof key !== 'string')) {
      return deployTime(key);
    }
    return key;
  });
}

/** A policy text: `Fn::Join` / `Fn::Sub` is a text built at deploy time; other intrinsics are expanded or unknown. */
export function textValues(ctx: TemplateContext, text: unknown): Possible<string | DeployTimeValue | undefined> {
  if (isIntrinsic(text) && ('Fn::Join' in text || 'Fn::Sub' in text)) {
    return [deployTime(text)];
  }
  const values = ctx.possible(text);
  if (!values) {
    return null;
  }
  return values.map(v => (v === undefined || typeof v === 'string' ? v : JSON.stringify(v)));
}

/** A repository's `LifecyclePolicy.LifecyclePolicyText`, every value. */
export function lifecycleTexts(ctx: TemplateContext, lifecyclePolicy: unknown): Possible<string | DeployTimeValue | undefined> {
  const outer = ctx.possible(lifecyclePolicy);
  if (!outer) {
    return null;
  }
  const values: (string | DeployTimeValue | undefined)[] = [];
  for (const lp of outer) {
    if (!isObject(lp)) {
      values.push(undefined);
      continue;
    }
    const texts = textValues(ctx, lp.LifecyclePolicyText);
    if (!texts) {
      return null;
    }
    values.push(...texts);
  }
  return values;
}

/** Tags, every value; a key or value given by reference is a deploy-time value. */
export function tagsOf(ctx: TemplateContext, tags: unknown): Possible<readonly ResourceTag[]> {
  const outer = ctx.possible(tags);
  if (!outer) {
    return null;
  }
  const asText = (v: unknown): string | DeployTimeValue | undefined =>
    (typeof v === 'string' ? v : isIntrinsic(v) ? deployTime(v) : undefined);
  return outer.map(list => (Array.isArray(list) ? list : []).flatMap((t: unknown) => {
    if (!isObject(t)) {
      return [];
    }
    const key = asText(t.Key);
    return key === undefined ? [] : [{ key, value: asText(t.Value) ?? '' }];
  }));
}

/** `{ Filter, FilterType }` lists (repository filters of scanning and signing rules). */
export function filtersOf(v: unknown): { filter: string | DeployTimeValue; filterType: string | DeployTimeValue }[] {
  return (Array.isArray(v) ? v : []).filter(isObject).map(f => ({ filter: textOrDeployTime(f.Filter), filterType: textOrDeployTime(f.FilterType) }));
}

/** ECR's `{ filter, filterType }` lists as the model holds them. */
export function apiFilters(v: readonly any[] | undefined): { filter: string; filterType: string }[] {
  return (v ?? []).map((f: any) => ({ filter: f.filter ?? '', filterType: f.filterType ?? '' }));
}
