/**
 * Adding a kind is one descriptor: a test kind ("widget", from a `Custom::Widget` resource and a
 * live read of its own) is registered, and the template reader, the inventory, drift, the text,
 * JSON, SARIF and HTML outputs all take it up with no other edit.
 */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { ECRClient } from '@aws-sdk/client-ecr';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { mockClient } from 'aws-sdk-client-mock';
import { compareOne } from '../../src/model/compare';
import { KindDescriptor, KindItem } from '../../src/model/descriptor';
import { kinds, registerKind } from '../../src/model/kind-list';
import { modelFromTemplate } from '../../src/model/template';
import { readAssembly, readInventory, RegistryModel, RegistryReport, renderHtml, renderText, reportToJson, reportToSarif } from '../../src/report';

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';

interface WidgetModel extends KindItem {
  readonly kind: 'widget';
  readonly name?: string;
  readonly color: string;
}

/** What the live read answers: one widget that differs, one nobody declares. */
const LIVE_WIDGETS = [{ name: 'blue-one', color: 'red' }, { name: 'orphan', color: 'grey' }];

const WIDGET: KindDescriptor<WidgetModel> = {
  kind: 'widget',
  identity: 'name',
  field: 'widgets',
  subject: false,
  words: { one: 'widget', drift: 'widget', noun: 'widget', gap: 'the widgets', key: 'name' },
  parts: [{ part: 'widgets' as any, words: 'widgets' }],
  cfnTypes: ['Custom::Widget'],
  fromTemplate: ctx => ({ kind: 'widget', id: ctx.id, name: typeof ctx.props.Name === 'string' ? ctx.props.Name : undefined, color: String(ctx.props.Color) }),
  api: {
    calls: [{ action: 'ListWidgets', permission: 'widgets:List', per: 'registry' }],
    read: async () => LIVE_WIDGETS.map(w => ({ kind: 'widget' as const, id: '', ...w })),
  },
  liveId: (w, registryArn) => `${registryArn}#widget/${w.name}`,
  keyOf: w => w.name,
  nameOf: w => `widget ${w.name ?? '?'}`,
  toJson: w => ({ name: w.name ?? null, color: w.color }),
  properties: [{ name: 'color', words: 'the colour', compare: (d, l) => compareOne(d.color, l.color) }],
};

describe('a kind registered by a test', () => {
  let dir: string;
  let unregister: () => void;
  let live: RegistryModel;
  let report: RegistryReport;

  beforeAll(async () => {
    unregister = registerKind(WIDGET);
    dir = mkdtempSync(path.join(tmpdir(), 'dummy-kind-'));
    const app = new App({ outdir: dir });
    const stack = new Stack(app, 'Widgets', { env: { account: ACCOUNT, region: REGION } });
    new CfnResource(stack, 'BlueOne', { type: 'Custom::Widget', properties: { Name: 'blue-one', Color: 'blue' } });
    new CfnResource(stack, 'MissingOne', { type: 'Custom::Widget', properties: { Name: 'missing-one', Color: 'green' } });
    app.synth();
    const ecr = mockClient(ECRClient);
    try {
      const client = new ECRClient({ region: REGION });
      live = (await readInventory({ client, region: REGION, account: ACCOUNT, requestsPerSecond: Infinity })).model;
    } finally {
      ecr.restore();
    }
    report = RegistryReport.fromModels([live], new Date(0), readAssembly(dir));
  });

  afterAll(() => {
    unregister();
    rmSync(dir, { recursive: true, force: true });
  });

  test('is one of the kinds, after the built-in ones; registering it twice is refused', () => {
    expect(kinds().map(k => k.kind).slice(-1)).toEqual(['widget']);
    expect(() => registerKind(WIDGET)).toThrow(/kind "widget" is registered already/);
  });

  test('the template reader reads it', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: ACCOUNT, region: REGION } });
    new CfnResource(stack, 'W', { type: 'Custom::Widget', properties: { Name: 'w', Color: 'teal' } });
    const model = modelFromTemplate(app);
    expect(model.items).toEqual([expect.objectContaining({ kind: 'widget', item: { kind: 'widget', id: 'S/W', name: 'w', color: 'teal' } })]);
    expect((model.registries[0] as unknown as { widgets: unknown[] }).widgets).toHaveLength(1);
  });

  test('the inventory reads it live, with ids from the registry ARN', () => {
    expect((live as unknown as { widgets: WidgetModel[] }).widgets).toEqual([
      { kind: 'widget', id: `arn:aws:ecr:${REGION}:${ACCOUNT}:registry#widget/blue-one`, name: 'blue-one', color: 'red' },
      { kind: 'widget', id: `arn:aws:ecr:${REGION}:${ACCOUNT}:registry#widget/orphan`, name: 'orphan', color: 'grey' },
    ]);
  });

  test('drift compares it by name: differs, missing, unmanaged', () => {
    const entries = report.targets[0].drift!.entries.filter(e => e.resource === 'widget');
    expect(entries.map(e => [e.kind, e.name, e.property ?? null])).toEqual([
      ['missing', 'missing-one', null],
      ['unmanaged', 'orphan', null],
      ['differs', 'blue-one', 'color'],
    ]);
    expect(entries[2]).toMatchObject({ declared: 'blue', live: 'red', reason: 'the colour is red, declared blue', stack: 'Widgets', logicalId: expect.stringMatching(/^BlueOne/) });
    expect(entries[1].reason).toBe("the registry's widget for name orphan is not declared by any stack");
  });

  test('the text, JSON, SARIF and HTML outputs show it', () => {
    const text = renderText(report, 'error');
    expect(text).toMatch(/differs\s+widget blue-one color: the colour is red, declared blue/);
    expect(text).toMatch(/unmanaged\s+widget orphan: /);

    const json = reportToJson(report, 'error');
    expect(json.targets[0].resources.filter(r => r.kind === 'widget')).toEqual([
      { kind: 'widget', id: `arn:aws:ecr:${REGION}:${ACCOUNT}:registry#widget/blue-one`, name: 'widget blue-one', settings: { name: 'blue-one', color: 'red' } },
      { kind: 'widget', id: `arn:aws:ecr:${REGION}:${ACCOUNT}:registry#widget/orphan`, name: 'widget orphan', settings: { name: 'orphan', color: 'grey' } },
    ]);
    expect(json.targets[0].drift!.entries.filter(e => e.resource === 'widget')).toHaveLength(3);

    const sarif = reportToSarif(report);
    const results = sarif.runs[0].results.filter(r => r.properties.resource === 'widget');
    expect(results.map(r => r.message.text)).toEqual([
      expect.stringContaining('missing-one (missing)'),
      expect.stringContaining('orphan (unmanaged)'),
      expect.stringContaining('blue-one (differs, color): the colour is red, declared blue.'),
    ]);

    const page = renderHtml(json);
    expect(page).toContain('<td>widget</td><td class="mono">orphan</td>');
    expect(page).toContain('the colour is red, declared blue');
  });
});
