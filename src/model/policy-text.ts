import { isIntrinsic } from './intrinsic';
import { PolicyStatement } from './settings';
import { hasTokenMarks } from '../private/token-marks';

/**
 * The statements of a policy document, `[]` when there is no policy, or `undefined` when the
 * document cannot be read: an intrinsic only CloudFormation can evaluate, an unresolved token,
 * or text that is not JSON. Policy text given as a JSON string (creation templates, every live
 * policy) is parsed.
 */
export function statementsOf(policy: unknown): PolicyStatement[] | undefined {
  if (policy === undefined || policy === null || policy === '') {
    return [];
  }
  let doc = policy;
  if (typeof doc === 'string') {
    if (hasTokenMarks(doc)) {
      return undefined;
    }
    try {
      doc = JSON.parse(doc);
    } catch {
      return undefined;
    }
  }
  if (isIntrinsic(doc) || typeof doc !== 'object') {
    return undefined;
  }
  const statement = (doc as { Statement?: unknown }).Statement;
  if (statement === undefined) {
    return [];
  }
  if (isIntrinsic(statement)) {
    return undefined;
  }
  return (Array.isArray(statement) ? statement : [statement]) as PolicyStatement[];
}
