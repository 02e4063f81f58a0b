// eslint-disable-next-line import/no-extraneous-dependencies -- bundled into the worker asset by esbuild (package time); the library never loads the worker
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { forClient } from '../../runtime';

/** The region of AWS Organizations' endpoint in each partition. */
const ORGANIZATIONS_REGION: Record<string, string> = { 'aws': 'us-east-1', 'aws-cn': 'cn-northwest-1', 'aws-us-gov': 'us-gov-west-1' };

/**
 * Every ACTIVE account of the organization (`ListAccounts`, every page), through the runtime
 * client policy. Called from the management account or a delegated administrator.
 */
export async function listAccounts(options: {
  config: { partition: string };
  deadline: number;
  endpoint?: string;
  credentials?: any;
  env?: Record<string, string | undefined>;
}): Promise<string[]> {
  const client = forClient(OrganizationsClient, {
    region: ORGANIZATIONS_REGION[options.config.partition] ?? 'us-east-1',
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
    ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
  }, { deadline: options.deadline, service: 'Organizations', env: options.env, resourceOf: () => ({ name: 'organization' }) });
  try {
    const accounts: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListAccountsCommand({ NextToken: token }));
      for (const a of page.Accounts ?? []) {
        // `State` replaces `Status` (deprecated, still answered); either says ACTIVE.
        const state = (a as any).State ?? a.Status;
        if (a.Id && state === 'ACTIVE') {
          accounts.push(a.Id);
        }
      }
      token = page.NextToken;
    } while (token);
    return accounts;
  } finally {
    client.destroy();
  }
}
