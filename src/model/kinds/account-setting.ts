import { GetAccountSettingCommand } from '@aws-sdk/client-ecr';
import { compareValues } from '../compare';
import { KindDescriptor } from '../descriptor';
import { AccountSettingModel } from '../settings';
import { textOf } from '../values';

/** The account settings the report reads (`GetAccountSetting` takes one name a call). */
export const ACCOUNT_SETTING_NAMES = ['REGISTRY_POLICY_SCOPE'] as const;

/**
 * An account setting of the registry, by name (`REGISTRY_POLICY_SCOPE`). No CloudFormation
 * resource declares one, so a template never has one: drift compares one only when a declared
 * model has it (and never calls a live one unmanaged).
 */
export const ACCOUNT_SETTING: KindDescriptor<AccountSettingModel> = {
  kind: 'accountSetting',
  identity: 'name',
  field: 'accountSettingList',
  subject: false,
  words: { one: 'account setting', drift: 'account setting', noun: 'account setting', gap: 'the account settings', key: 'name' },
  parts: [{ part: 'accountSettings', words: 'account settings (registry policy scope)' }],
  cfnTypes: [],
  api: {
    calls: [{ action: 'GetAccountSetting', permission: 'ecr:GetAccountSetting', per: 'registry', optional: true }],
    read: async ctx => {
      const items: AccountSettingModel[] = [];
      for (const name of ACCOUNT_SETTING_NAMES) {
        const answer = await ctx.call<any>('accountSettings', 'GetAccountSetting', new GetAccountSettingCommand({ name }));
        if (answer.failed) {
          return undefined;
        }
        if (answer.value?.value !== undefined) {
          items.push({ kind: 'accountSetting', id: '', name: answer.value.name ?? name, value: answer.value.value });
        }
      }
      if (items.length > 0) {
        ctx.keep('accountSettings', Object.fromEntries(items.map(i => [i.name, i.value])));
      }
      return items;
    },
  },
  liveId: (s, registryArn) => `${registryArn}#account-setting/${s.name}`,
  keyOf: s => s.name,
  nameOf: s => `account setting ${s.name}`,
  toJson: s => ({ name: s.name, value: textOf(s.value) }),
  properties: [{ name: 'value', words: 'the value', compare: (d, l) => compareValues([d.value], [l.value]) }],
  drift: { unmanaged: () => undefined },
};
