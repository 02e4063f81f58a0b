/**
 * Every validation rule (ECR user guide, "Lifecycle policy properties" and "Lifecycle policy
 * evaluation rules"), through the typed API and through fromJson, with the exact message.
 */
import { CfnParameter, Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { newStack } from '../helpers/synth';
import {
  CountType, LifecycleAction, LifecyclePolicy, LifecycleRule, PrivateRepository, StorageClass, TagSelection,
} from 'cdk-ecr-registry';

const expireRule = (priority: number, selection: Record<string, unknown>) => ({ rulePriority: priority, selection, action: { type: 'expire' } });
const keep = (n: number) => ({ countType: 'imageCountMoreThan', countNumber: n });
const json = (...rules: unknown[]) => JSON.stringify({ rules });
const typed = (...rules: LifecycleRule[]) => () => new LifecyclePolicy({ rules }).toJson();
const parsed = (text: string) => () => LifecyclePolicy.fromJson(text);

describe('rulePriority', () => {
  test('fails on duplicate priorities (typed)', () => {
    expect(typed(LifecycleRule.keepLast(5, { rulePriority: 1, tagSelection: TagSelection.prefixes(['a']) }),
      LifecycleRule.keepLast(5, { rulePriority: 1, tagSelection: TagSelection.prefixes(['b']) }))).toThrow(
      'LifecyclePolicy: invalid rules[1] rulePriority 1: must be unique: rules[0] has rulePriority 1 too');
  });

  test('fails on duplicate priorities (fromJson)', () => {
    expect(parsed(json(expireRule(3, { tagStatus: 'untagged', ...keep(1) }), expireRule(3, { tagStatus: 'tagged', tagPrefixList: ['v'], ...keep(1) })))).toThrow(
      'LifecyclePolicy.fromJson: invalid rules[1] rulePriority 3: must be unique: rules[0] has rulePriority 3 too');
  });

  test('fails on a priority that is not a whole number >= 1 (typed and fromJson)', () => {
    expect(typed(LifecycleRule.keepLast(5, { rulePriority: 0 }))).toThrow('LifecyclePolicy: invalid rules[0] rulePriority 0: must be a whole number >= 1');
    expect(parsed(json(expireRule(1.5, { tagStatus: 'any', ...keep(1) })))).toThrow(
      'LifecyclePolicy.fromJson: invalid rules[0] rulePriority 1.5: must be a whole number >= 1');
  });

  test('fails on a missing priority in policy text', () => {
    expect(parsed(json({ selection: { tagStatus: 'any', ...keep(1) }, action: { type: 'expire' } }))).toThrow(
      'LifecyclePolicy.fromJson: invalid rules[0] rulePriority undefined: is required in policy text: a whole number >= 1, unique within the policy');
  });

  test('priorities are assigned after the highest given one, any rules last', () => {
    const p = new LifecyclePolicy({
      rules: [
        LifecycleRule.keepLast(10),
        LifecycleRule.keepLast(3, { tagSelection: TagSelection.patterns(['release-*']) }),
        LifecycleRule.expireUntaggedAfter(Duration.days(1), { rulePriority: 5 }),
        LifecycleRule.keepLast(2, { tagSelection: TagSelection.prefixes(['dev']) }),
      ],
    });
    expect(p.rules.map(r => [r.rulePriority, r.tagStatus])).toEqual([[5, 'untagged'], [6, 'tagged'], [7, 'tagged'], [8, 'any']]);
    expect(JSON.parse(p.toJson()).rules.map((r: any) => r.rulePriority)).toEqual([5, 6, 7, 8]);
  });
});

describe('tagStatus any has the highest priority (per storage class)', () => {
  test('fails on an any rule below another rule (typed)', () => {
    expect(typed(LifecycleRule.keepLast(5, { rulePriority: 1 }), LifecycleRule.expireUntaggedAfter(Duration.days(3), { rulePriority: 2 }))).toThrow(
      'LifecyclePolicy: invalid rule 1 selection.tagStatus "any": a rule with tagStatus "any" must have the highest rulePriority of the rules selecting storageClass "standard" (rule 2 is higher)');
  });

  test('fails on an any rule below another rule (fromJson)', () => {
    expect(parsed(json(expireRule(1, { tagStatus: 'any', ...keep(5) }), expireRule(7, { tagStatus: 'tagged', tagPatternList: ['*'], ...keep(5) })))).toThrow(
      'LifecyclePolicy.fromJson: invalid rule 1 selection.tagStatus "any": a rule with tagStatus "any" must have the highest rulePriority of the rules selecting storageClass "standard" (rule 7 is higher)');
  });

  test('fails on two any rules of one storage class', () => {
    expect(typed(LifecycleRule.keepLast(5, { rulePriority: 1 }), LifecycleRule.keepLast(9, { rulePriority: 2 }))).toThrow(
      'LifecyclePolicy: invalid rule 1 selection.tagStatus "any": a rule with tagStatus "any" must have the highest rulePriority of the rules selecting storageClass "standard" (rule 2 is higher)');
  });

  test('an any rule per storage class is fine (the user guide\'s archive + expire example)', () => {
    expect(typed(
      LifecycleRule.archiveAfterPush(Duration.days(30), { rulePriority: 1 }),
      LifecycleRule.expireArchivedAfter(Duration.days(365), { rulePriority: 2 }),
    )).not.toThrow();
  });
});

describe('tag lists', () => {
  test('fails on tagged without a list (fromJson)', () => {
    expect(parsed(json(expireRule(1, { tagStatus: 'tagged', ...keep(1) })))).toThrow(
      'LifecyclePolicy.fromJson: invalid rule 1 selection.tagStatus "tagged": tagStatus "tagged" needs exactly one of tagPrefixList or tagPatternList (got neither)');
  });

  test('fails on tagged with both lists (fromJson)', () => {
    expect(parsed(json(expireRule(1, { tagStatus: 'tagged', tagPrefixList: ['a'], tagPatternList: ['b*'], ...keep(1) })))).toThrow(
      'LifecyclePolicy.fromJson: invalid rule 1 selection.tagPatternList ["b*"]: tagStatus "tagged" needs exactly one of tagPrefixList or tagPatternList (got both)');
  });

  test('fails on an empty list (typed and fromJson)', () => {
    expect(typed(LifecycleRule.keepLast(1, { tagSelection: TagSelection.prefixes([]) }))).toThrow(
      'LifecyclePolicy: invalid rule 1 selection.tagPrefixList []: must be a non-empty list of non-empty tag prefixes');
    expect(parsed(json(expireRule(1, { tagStatus: 'tagged', tagPatternList: [], ...keep(1) })))).toThrow(
      'LifecyclePolicy.fromJson: invalid rule 1 selection.tagPatternList []: must be a non-empty list of non-empty tag patterns');
  });

  test.each(['untagged', 'any'])('fails on %s with a tag list (fromJson)', (status) => {
    expect(parsed(json(expireRule(1, { tagStatus: status, tagPrefixList: ['prod'], ...keep(1) })))).toThrow(
      `LifecyclePolicy.fromJson: invalid rule 1 selection.tagPrefixList ["prod"]: only with tagStatus "tagged" (got "${status}")`);
  });

  test('fails on more than 4 wildcards in a pattern (typed)', () => {
    expect(typed(LifecycleRule.keepLast(1, { tagSelection: TagSelection.patterns(['*test*1*2*3', 'test*1*2*3*4*5*6']) }))).toThrow(
      'LifecyclePolicy: invalid rule 1 selection.tagPatternList[1] "test*1*2*3*4*5*6": at most 4 wildcards (*) per pattern (got 6)');
  });

  test('fails on more than 4 wildcards in a pattern (fromJson)', () => {
    expect(parsed(json(expireRule(1, { tagStatus: 'tagged', tagPatternList: ['a*b*c*d*e*'], ...keep(1) })))).toThrow(
      'LifecyclePolicy.fromJson: invalid rule 1 selection.tagPatternList[0] "a*b*c*d*e*": at most 4 wildcards (*) per pattern (got 5)');
  });

  test('the user guide\'s valid wildcard examples pass', () => {
    expect(typed(LifecycleRule.keepLast(1, { tagSelection: TagSelection.patterns(['*test*1*2*3', 'test*1*2*3*']) }))).not.toThrow();
  });

  test('fails on a second rule with the same tags in one storage class', () => {
    expect(typed(
      LifecycleRule.keepLast(3, { tagSelection: TagSelection.patterns(['prod*']) }),
      LifecycleRule.expireAfterPush(Duration.days(9), { tagSelection: TagSelection.patterns(['prod*']) }),
    )).toThrow('LifecyclePolicy: invalid rule 2 selection.tagPatternList ["prod*"]: the rules of one storage class must select unique tag sets (rule 1 selects the same tags in storageClass "standard", so this rule could never act)');
  });

  test('fails on a second untagged rule in one storage class (fromJson)', () => {
    expect(parsed(json(expireRule(1, { tagStatus: 'untagged', ...keep(5) }), expireRule(2, { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 3 })))).toThrow(
      'LifecyclePolicy.fromJson: invalid rule 2 selection.tagStatus "untagged": only one rule per storage class may select untagged images (rule 1 already does in storageClass "standard")');
  });

  test('fails on an unknown tagStatus (fromJson)', () => {
    expect(parsed(json(expireRule(1, { tagStatus: 'TAGGED', tagPrefixList: ['a'], ...keep(1) })))).toThrow(
      'LifecyclePolicy.fromJson: invalid rule 1 selection.tagStatus "TAGGED": must be one of "tagged", "untagged", "any"');
  });
});

describe('countNumber, countUnit and whole days', () => {
  test('fails on countNumber 0 (typed and fromJson)', () => {
    expect(typed(LifecycleRule.keepLast(0))).toThrow('LifecyclePolicy: invalid rule 1 selection.countNumber 0: must be a whole number >= 1');
    expect(parsed(json(expireRule(1, { tagStatus: 'any', ...keep(0) })))).toThrow('LifecyclePolicy.fromJson: invalid rule 1 selection.countNumber 0: must be a whole number >= 1');
  });

  test('fails on a Duration that is not whole days (typed)', () => {
    expect(typed(LifecycleRule.expireUntaggedAfter(Duration.hours(36)))).toThrow(
      'LifecyclePolicy: invalid rule 1 selection.countNumber 1.5: must be a whole number of days >= 1');
  });

  test('fails on fractional days (fromJson)', () => {
    expect(parsed(json(expireRule(1, { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 2.5 })))).toThrow(
      'LifecyclePolicy.fromJson: invalid rule 1 selection.countNumber 2.5: must be a whole number of days >= 1');
  });

  test('fails on countUnit with imageCountMoreThan (fromJson; the typed API never renders it)', () => {
    expect(parsed(json(expireRule(1, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 3, countUnit: 'days' })))).toThrow(
      'LifecyclePolicy.fromJson: invalid rule 1 selection.countUnit "days": only with countType sinceImagePushed, sinceImagePulled, sinceImageTransitioned (got imageCountMoreThan, which counts images)');
  });

  test.each([[undefined], ['hours']])('fails on an age count type with countUnit %p (fromJson)', (unit) => {
    expect(parsed(json(expireRule(1, { tagStatus: 'any', countType: 'sinceImagePushed', countNumber: 3, countUnit: unit })))).toThrow(
      `LifecyclePolicy.fromJson: invalid rule 1 selection.countUnit ${unit === undefined ? 'undefined' : '"hours"'}: must be "days" with countType sinceImagePushed`);
  });

  test('fails on an unknown countType (typed and fromJson)', () => {
    expect(typed(new LifecycleRule({ countType: 'imageCount' as CountType, countNumber: 1 }))).toThrow(
      'LifecyclePolicy: invalid rule 1 selection.countType "imageCount": must be one of "imageCountMoreThan", "sinceImagePushed", "sinceImagePulled", "sinceImageTransitioned"');
    expect(parsed(json(expireRule(1, { tagStatus: 'any', countType: 'sinceImageCreated', countNumber: 1 })))).toThrow(
      'LifecyclePolicy.fromJson: invalid rule 1 selection.countType "sinceImageCreated": must be one of');
  });
});

describe('archive: storage classes and actions', () => {
  test('fails on transition without targetStorageClass archive (fromJson; the typed API always renders it)', () => {
    expect(parsed(JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'any', ...keep(5) }, action: { type: 'transition' } }] }))).toThrow(
      'LifecyclePolicy.fromJson: invalid rule 1 action.targetStorageClass undefined: action type "transition" needs targetStorageClass "archive"');
    expect(parsed(JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'any', ...keep(5) }, action: { type: 'transition', targetStorageClass: 'glacier' } }] }))).toThrow(
      'LifecyclePolicy.fromJson: invalid rule 1 action.targetStorageClass "glacier": action type "transition" needs targetStorageClass "archive"');
  });

  test('fails on targetStorageClass with expire (fromJson)', () => {
    expect(parsed(JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'any', ...keep(5) }, action: { type: 'expire', targetStorageClass: 'archive' } }] }))).toThrow(
      'LifecyclePolicy.fromJson: invalid rule 1 action.targetStorageClass "archive": only with action type "transition"');
  });

  test('fails on an unknown action (typed and fromJson)', () => {
    expect(typed(new LifecycleRule({ countType: CountType.IMAGE_COUNT_MORE_THAN, countNumber: 1, action: 'delete' as LifecycleAction }))).toThrow(
      'LifecyclePolicy: invalid rule 1 action.type "delete": must be one of "expire", "transition"');
    expect(parsed(JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'any', ...keep(5) }, action: { type: 'archive' } }] }))).toThrow(
      'LifecyclePolicy.fromJson: invalid rule 1 action.type "archive": must be one of "expire", "transition"');
  });

  test('fails on sinceImageTransitioned without storageClass archive (typed and fromJson)', () => {
    const standard = new LifecycleRule({ countType: CountType.SINCE_IMAGE_TRANSITIONED, countNumber: 120, storageClass: StorageClass.STANDARD });
    expect(typed(standard)).toThrow(
      'LifecyclePolicy: invalid rule 1 selection.storageClass "standard": countType sinceImageTransitioned needs storageClass "archive"');
    expect(parsed(json(expireRule(1, { tagStatus: 'any', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 120 })))).toThrow(
      'LifecyclePolicy.fromJson: invalid rule 1 selection.storageClass undefined: countType sinceImageTransitioned needs storageClass "archive"');
  });

  test('fails on storageClass archive with another count type (typed and fromJson)', () => {
    expect(typed(new LifecycleRule({ countType: CountType.SINCE_IMAGE_PUSHED, countNumber: 120, storageClass: StorageClass.ARCHIVE }))).toThrow(
      'LifecyclePolicy: invalid rule 1 selection.storageClass "archive": countType sinceImagePushed selects only storageClass "standard" (archived images are selected with sinceImageTransitioned)');
    expect(parsed(json(expireRule(1, { tagStatus: 'any', storageClass: 'archive', ...keep(2) })))).toThrow(
      'LifecyclePolicy.fromJson: invalid rule 1 selection.storageClass "archive": countType imageCountMoreThan selects only storageClass "standard"');
  });

  test('fails on an unknown storageClass (fromJson)', () => {
    expect(parsed(json(expireRule(1, { tagStatus: 'any', storageClass: 'cold', ...keep(2) })))).toThrow(
      'LifecyclePolicy.fromJson: invalid rule 1 selection.storageClass "cold": must be one of "standard", "archive"');
  });

  test('fails on sinceImagePulled with expire (typed and fromJson)', () => {
    expect(typed(new LifecycleRule({ countType: CountType.SINCE_IMAGE_PULLED, countNumber: 30 }))).toThrow(
      'LifecyclePolicy: invalid rule 1 action.type "expire": countType sinceImagePulled only transitions images to archive; to delete by pull activity, transition with sinceImagePulled, then expire with sinceImageTransitioned');
    expect(parsed(json(expireRule(1, { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 30 })))).toThrow(
      'LifecyclePolicy.fromJson: invalid rule 1 action.type "expire": countType sinceImagePulled only transitions images to archive');
  });

  test('fails on sinceImageTransitioned with transition (typed)', () => {
    expect(typed(new LifecycleRule({ countType: CountType.SINCE_IMAGE_TRANSITIONED, countNumber: 100, action: LifecycleAction.TRANSITION }))).toThrow(
      'LifecyclePolicy: invalid rule 1 action.type "transition": countType sinceImageTransitioned only expires archived images');
  });

  test('fails on expiring archived images before 90 days (typed and fromJson)', () => {
    expect(typed(LifecycleRule.expireArchivedAfter(Duration.days(30)))).toThrow(
      'LifecyclePolicy: invalid rule 1 selection.countNumber 30: countType sinceImageTransitioned needs at least 90 days (archived images have a 90-day minimum storage duration)');
    expect(parsed(json(expireRule(1, { tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 89 })))).toThrow(
      'LifecyclePolicy.fromJson: invalid rule 1 selection.countNumber 89: countType sinceImageTransitioned needs at least 90 days');
  });
});

describe('policy text', () => {
  test('fails on text that is not JSON', () => {
    expect(parsed('{"rules": [')).toThrow(/^LifecyclePolicy\.fromJson: invalid text "\{\\"rules\\": \[": is not JSON \(.+\)$/);
  });

  test.each([['[]'], ['{"Statement": []}'], ['{"rules": {}}'], ['"rules"']])('fails on JSON that is not a policy: %s', (text) => {
    expect(parsed(text)).toThrow(`LifecyclePolicy.fromJson: invalid text ${JSON.stringify(text)}: is not a lifecycle policy: expected {"rules": [...]}`);
  });

  test('fails on unknown keys, at every level', () => {
    expect(parsed(JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'any', ...keep(1), tagFilter: 'x' }, action: { type: 'expire' }, enabled: true }], version: 1 }))).toThrow(
      'LifecyclePolicy.fromJson: 3 invalid properties:\n'
      + '  - invalid key "version": a lifecycle policy has only "rules"\n'
      + '  - invalid rule 1 key "enabled": a rule has only rulePriority, description, selection, action\n'
      + '  - invalid rule 1 selection key "tagFilter": a selection has only tagStatus, tagPrefixList, tagPatternList, storageClass, countType, countUnit, countNumber');
  });

  test('fails on an empty rule list, and on more than 50 rules', () => {
    expect(parsed('{"rules":[]}')).toThrow('LifecyclePolicy.fromJson: invalid rules count 0: a lifecycle policy has 1-50 rules');
    const many = Array.from({ length: 51 }, (_, i) => LifecycleRule.keepLast(1, { tagSelection: TagSelection.prefixes([`p${i}`]) }));
    expect(typed(...many)).toThrow('LifecyclePolicy: invalid rules count 51: a lifecycle policy has 1-50 rules');
  });

  test('fails on policy text over 30,720 characters (typed and fromJson)', () => {
    const long = 'x'.repeat(700);
    const rules = Array.from({ length: 45 }, (_, i) => LifecycleRule.keepLast(1, { tagSelection: TagSelection.prefixes([`p${i}`]), description: long }));
    const p = new LifecyclePolicy({ rules });
    expect(() => p.toJson()).toThrow(/^LifecyclePolicy: invalid lifecycle policy text length (\d+): must be at most 30720 characters \(ECR's limit for lifecycle policy text\)$/);
    const text = JSON.stringify(JSON.parse(new LifecyclePolicy({ rules: rules.slice(0, 1) }).toJson()), null, 2).padEnd(30_721, ' ');
    expect(parsed(text)).toThrow('LifecyclePolicy.fromJson: invalid text length 30721: must be at most 30720 characters (ECR\'s limit for lifecycle policy text)');
  });

  test('several violations are reported together, once', () => {
    expect(parsed(json(expireRule(1, { tagStatus: 'tagged', ...keep(0) })))).toThrow(
      'LifecyclePolicy.fromJson: 2 invalid properties:\n'
      + '  - invalid rule 1 selection.tagStatus "tagged": tagStatus "tagged" needs exactly one of tagPrefixList or tagPatternList (got neither)\n'
      + '  - invalid rule 1 selection.countNumber 0: must be a whole number >= 1');
  });

  test('validate() returns the messages under any path', () => {
    const p = new LifecyclePolicy({ rules: [LifecycleRule.keepLast(0)] });
    expect(p.validate()).toEqual(['LifecyclePolicy: invalid rule 1 selection.countNumber 0: must be a whole number >= 1']);
    expect(p.validate('Stack/Template')).toEqual(['Stack/Template: invalid rule 1 selection.countNumber 0: must be a whole number >= 1']);
    expect(LifecyclePolicy.repositoryDefault().validate()).toEqual([]);
  });
});

describe('on a PrivateRepository, errors carry the construct path', () => {
  const make = (props: ConstructorParameters<typeof PrivateRepository>[2]) => () => {
    const stack = newStack();
    new PrivateRepository(stack, 'Repo', props);
  };

  test('fails on an invalid policy with the repository path', () => {
    expect(make({ lifecyclePolicy: new LifecyclePolicy({ rules: [LifecycleRule.keepLast(0)] }) })).toThrow(
      'TestStack/Repo: invalid lifecyclePolicy rule 1 selection.countNumber 0: must be a whole number >= 1');
  });

  test('fails on lifecyclePolicy together with lifecycleRules', () => {
    expect(make({ lifecyclePolicy: LifecyclePolicy.repositoryDefault(), lifecycleRules: [{ maxImageCount: 5 }] })).toThrow(
      'TestStack/Repo: invalid lifecycleRules "1 rules": use lifecyclePolicy or lifecycleRules, not both (lifecyclePolicy covers every rule form; lifecycleRules is kept for aws-cdk-lib compatibility)');
  });

  test('nothing is half-created when the policy is invalid', () => {
    const stack = newStack();
    expect(() => new PrivateRepository(stack, 'Repo', { lifecyclePolicy: new LifecyclePolicy({ rules: [] }) })).toThrow(
      'TestStack/Repo: invalid lifecyclePolicy rules count 0: a lifecycle policy has 1-50 rules');
    expect(stack.node.tryFindChild('Repo')).toBeUndefined();
  });

  test('fails on addLifecycleRule when the repository uses a LifecyclePolicy', () => {
    const stack = newStack();
    const repo = new PrivateRepository(stack, 'Repo');
    expect(() => repo.addLifecycleRule({ maxImageCount: 3 })).toThrow(
      'TestStack/Repo: invalid addLifecycleRule {"maxImageCount":3}: this repository\'s lifecycle policy is a LifecyclePolicy; put every rule in the lifecyclePolicy prop (new LifecyclePolicy({ rules: [...] })), or create the repository with lifecycleRules');
  });

  test('token inputs do not throw and render through the stack', () => {
    const stack = newStack();
    const days = new CfnParameter(stack, 'Days', { type: 'Number' });
    const prefix = new CfnParameter(stack, 'Prefix');
    new PrivateRepository(stack, 'Repo', {
      lifecyclePolicy: new LifecyclePolicy({
        rules: [
          new LifecycleRule({
            countType: CountType.SINCE_IMAGE_PUSHED, countNumber: days.valueAsNumber, tagSelection: TagSelection.untagged(), rulePriority: 1,
          }),
          LifecycleRule.keepLast(5, { tagSelection: TagSelection.prefixes([prefix.valueAsString]), rulePriority: 2 }),
        ],
      }),
    });
    const text = Template.fromStack(stack).findResources('AWS::ECR::Repository');
    const policyText = (Object.values(text)[0] as any).Properties.LifecyclePolicy.LifecyclePolicyText;
    const joined = JSON.stringify(policyText);
    expect(joined).toContain('"Ref":"Days"');
    expect(joined).toContain('"Ref":"Prefix"');
    expect(policyText['Fn::Join']).toBeDefined();
  });
});
