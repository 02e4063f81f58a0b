/**
 * The live entry alone (it bundles without aws-cdk-lib: test/report/live-bundle.test.ts): a cloud
 * assembly directory is refused as bad input that names the entry that reads one; an assembly
 * already read (a `DeclaredApp`) is compared.
 */
import { DeclaredApp, emptyRegistry, RegistryReport, ReportInputError } from '../../src/report/live';

describe('lib/report/live', () => {
  test('refuses an assembly directory before any call, saying which entry reads one', async () => {
    const read = RegistryReport.read({ targets: [{ region: 'eu-west-1' }], assembly: 'cdk.out' });
    await expect(read).rejects.toBeInstanceOf(ReportInputError);
    await expect(read).rejects.toThrow(/--assembly "cdk.out": reading a cloud assembly needs aws-cdk-lib; import from 'cdk-ecr-registry\/lib\/report'/);
  });

  test('compares with an assembly read elsewhere', () => {
    const declared: DeclaredApp = { assembly: 'cdk.out', stacks: [] };
    const report = RegistryReport.fromModels([emptyRegistry('111111111111', 'eu-west-1')], new Date(0), declared);
    expect(report.targets[0].drift).toMatchObject({ stacks: [], entries: [] });
  });
});
