import { Fn, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as signer from 'aws-cdk-lib/aws-signer';
import { Construct } from 'constructs';
import { Violations } from '../../private/errors';
import { isKnown, isUnresolved } from '../../private/tokens';
import { checkLength, checkPattern } from '../../private/validation';
import { SigningRule } from '../signing';

/** Most signing rules per registry (ECR API `SigningConfiguration.rules`). */
export const MAX_SIGNING_RULES = 10;
/** Most filters per signing rule. */
const MAX_SIGNING_FILTERS = 100;
/** The only AWS Signer platform ECR signs images with. */
export const SIGNING_PLATFORM = 'Notation-OCI-SHA384-ECDSA';
/** `SigningRepositoryFilter.filter` (WILDCARD_MATCH). */
const SIGNING_FILTER_PATTERN = /^(?:[a-z0-9*]+(?:[._-][a-z0-9*]+)*\/)*[a-z0-9*]+(?:[._-][a-z0-9*]+)*$/;
/** `SigningRule.signingProfileArn`. */
const SIGNING_PROFILE_ARN = /^arn:aws(-[a-z]+)*:signer:[a-z0-9-]+:[0-9]{12}:\/signing-profiles\/[a-zA-Z0-9_]{2,}$/;

/** Check one more signing rule (`index` of those added so far). */
export function checkSigningRule(v: Violations, rule: SigningRule, index: number): void {
  const p = `signingRules[${index}]`;
  v.check(index < MAX_SIGNING_RULES, 'signingRules.length', index + 1, `at most ${MAX_SIGNING_RULES} signing rules per registry (ECR)`);
  const profile = rule.signingProfile;
  if (!profile) {
    v.add(`${p}.signingProfile`, profile, 'give the AWS Signer signing profile ECR signs with');
  } else {
    const arn = profile.signingProfileArn;
    if (checkLength(v, `${p}.signingProfile`, arn, 1, 200)) {
      checkPattern(v, `${p}.signingProfile`, arn, SIGNING_PROFILE_ARN,
        'must be an AWS Signer signing profile ARN (arn:aws:signer:<region>:<account>:/signing-profiles/<name>)');
    }
    const cfn = profile.node.defaultChild;
    if (cfn instanceof signer.CfnSigningProfile && isKnown(cfn.platformId) && cfn.platformId !== SIGNING_PLATFORM) {
      v.add(`${p}.signingProfile`, `${profile.node.path} (platform ${cfn.platformId})`,
        `ECR signs container images only with a ${SIGNING_PLATFORM} profile (signer.Platform.NOTATION_OCI_SHA384_ECDSA)`);
    }
  }
  const filters = rule.repositoryFilters;
  if (filters !== undefined) {
    v.check(filters.length >= 1 && filters.length <= MAX_SIGNING_FILTERS, `${p}.repositoryFilters.length`, filters.length,
      `must have 1-${MAX_SIGNING_FILTERS} filters (leave repositoryFilters out to sign every repository)`);
    for (const [k, f] of filters.entries()) {
      const fp = `${p}.repositoryFilters[${k}]`;
      if (checkLength(v, fp, f, 1, 256)) {
        checkPattern(v, fp, f, SIGNING_FILTER_PATTERN,
          'must be a repository name pattern: lowercase letters, digits, \'.\', \'_\', \'-\', \'/\' and \'*\' wildcards');
      }
    }
  }
}

/**
 * The registry's `AWS::ECR::SigningConfiguration` (construct id `Signing` under the registry),
 * created with the first rule.
 */
export class RegistrySigning {
  private readonly _rules: SigningRule[] = [];
  private _configuration?: ecr.CfnSigningConfiguration;

  constructor(private readonly registry: Construct) {}

  public get rules(): SigningRule[] {
    return [...this._rules];
  }

  public get configuration(): ecr.CfnSigningConfiguration | undefined {
    return this._configuration;
  }

  /** Check one more rule. */
  public checkAdd(v: Violations, rule: SigningRule): void {
    checkSigningRule(v, rule, this._rules.length);
  }

  /** Add a rule (checked before). */
  public add(rule: SigningRule): void {
    this._rules.push(rule);
    if (!this._configuration) {
      this._configuration = new ecr.CfnSigningConfiguration(this.registry, 'Signing', {
        rules: Lazy.any({ produce: () => this.render() }),
      });
    }
  }

  private render(): ecr.CfnSigningConfiguration.RuleProperty[] {
    return this._rules.map(r => ({
      signingProfileArn: signingProfileArn(r.signingProfile),
      repositoryFilters: r.repositoryFilters?.map(filter => ({ filter, filterType: 'WILDCARD_MATCH' })),
    }));
  }
}

/** What aws-cdk-lib's imported profiles carry: an empty resource joined by `/` to a name starting with `/`. */
const DOUBLE_SLASH = '://signing-profiles/';

/**
 * The profile's ARN in AWS Signer's form (`arn:<partition>:signer:<region>:<account>:/signing-profiles/<name>`).
 * aws-cdk-lib's `SigningProfile.fromSigningProfileAttributes` formats `...:<account>://signing-profiles/<name>`,
 * which CloudFormation's pattern for `SigningProfileArn` and ECR reject at deploy: that one slash too many is
 * taken out, in a literal or in the literal parts of the `Fn::Join` it renders; any other value is kept as given.
 */
export function signingProfileArn(profile: signer.ISigningProfile): string {
  const arn = profile.signingProfileArn;
  if (!isUnresolved(arn)) {
    return arn.replace(DOUBLE_SLASH, ':/signing-profiles/');
  }
  const resolved = Stack.of(profile).resolve(arn);
  const join = resolved?.['Fn::Join'];
  if (!Array.isArray(join) || join[0] !== '' || !Array.isArray(join[1])
    || !join[1].some((part: unknown) => typeof part === 'string' && part.includes(DOUBLE_SLASH))) {
    return arn;
  }
  return Fn.join('', join[1].map((part: unknown) => typeof part === 'string' ? part.replace(DOUBLE_SLASH, ':/signing-profiles/') : Token.asString(part)));
}
