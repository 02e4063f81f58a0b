/**
 * Reads the report page as Chromium rendered it: what a person sees (text), parsed back to numbers,
 * beside the data attributes, so a test compares both with the JSON document.
 */
import { Page } from 'puppeteer-core';

export interface RenderedBar {
  readonly repository: string;
  readonly others: number;
  /** `data-bytes`. */
  readonly bytes: number;
  /** The figure the bar shows, `(70,000,000 bytes)` parsed. */
  readonly shownBytes: number;
  readonly label: string;
  /** Rendered width of the bar's rects (layout, in CSS pixels). */
  readonly width: number;
}

export interface RenderedPage {
  readonly title: string;
  readonly summary: Record<string, string>;
  readonly charts: { readonly target: number; readonly title: string; readonly desc: string; readonly bars: RenderedBar[] }[];
  /** Usage rows per target: repository, images and the exact byte figures shown (standard, archive, not pulled 30 d, 90 d). */
  readonly usage: {
    readonly target: number; readonly repository: string; readonly images: number; readonly bytes: number[]; readonly cost: string;
  }[];
  /** Finding count per rule, as shown in the rules table. */
  readonly rules: Record<string, number>;
  readonly findingRows: { readonly rule: string; readonly resource: string; readonly message: string }[];
  readonly drift: {
    readonly note: string | null;
    readonly rows: { kind: string; name: string; property: string }[];
    /** The counts shown, by kind. */
    readonly counts: Record<string, number>;
    /** The stacks' names shown. */
    readonly stacks: string[];
  };
  readonly notes: string[];
  readonly repositoryRows: { readonly name: string; readonly tags: string; readonly lifecyclePolicy: string }[];
  /** Elements that markup from the document would have made. */
  readonly elements: { readonly script: number; readonly img: number; readonly injected: number; readonly bold: number };
}

const number = (text: string) => (/\d/.test(text) ? Number(text.replace(/[^\d]/g, '')) : NaN);
/** `66.8 MiB (70,000,000 bytes)` -> 70000000 */
const shown = (figure: string) => {
  const m = /\(([\d,]+) bytes\)/.exec(figure);
  return m ? number(m[1]) : NaN;
};

export async function readRenderedPage(page: Page): Promise<RenderedPage> {
  // Runs in the page (no DOM types in this project's compilation: the page's objects are `any`).
  const raw = await page.evaluate(() => {
    const document: any = (globalThis as any).document;
    const q = (sel: string, root: any = document): any[] => Array.from(root.querySelectorAll(sel));
    const text = (e: any) => String(e?.textContent ?? '').trim();
    const summary: Record<string, string> = {};
    for (const dd of q('dd[data-field]')) {
      summary[dd.getAttribute('data-field')] = String(dd.firstChild?.textContent ?? '').trim();
    }
    return {
      title: document.title,
      summary,
      charts: q('.target-usage').map(div => {
        const svg = div.querySelector('svg.chart');
        return {
          target: Number(div.getAttribute('data-target')),
          title: text(svg?.querySelector(':scope > title')),
          desc: text(svg?.querySelector(':scope > desc')),
          bars: q('g.bar', div).map(g => ({
            repository: g.getAttribute('data-repository') ?? '',
            others: Number(g.getAttribute('data-others')),
            bytes: Number(g.getAttribute('data-bytes')),
            figure: text(g.querySelector('text.figure')),
            label: text(g.querySelector('text.label')),
            width: q('rect', g).reduce((n: number, r: any) => n + r.getBoundingClientRect().width, 0),
          })),
        };
      }),
      usage: q('table.usage').flatMap(table => q('tbody tr', table).map(tr => ({
        target: Number(table.getAttribute('data-target')),
        repository: tr.getAttribute('data-repository') ?? '',
        images: text(tr.querySelector('td[data-images]')),
        bytes: q('td[data-bytes] small', tr).map(s => text(s)),
        cost: text(tr.querySelectorAll('td[data-usd]')[0]),
      }))),
      rules: q('#rules tbody tr').map(tr => [tr.getAttribute('data-rule') ?? '', text(tr.querySelector('td.count'))]),
      findingRows: q('#findings-table tbody tr').map(tr => ({
        rule: tr.getAttribute('data-rule') ?? '',
        resource: text(tr.querySelectorAll('td.mono')[1]),
        message: text(tr.querySelectorAll('td')[tr.querySelectorAll('td').length - 2]),
      })),
      drift: {
        note: document.querySelector('#drift-note') ? text(document.querySelector('#drift-note')) : null,
        counts: q('#drift [data-count]').map(e => [e.getAttribute('data-count'), text(e)]),
        stacks: q('#drift-stacks tbody tr').map(tr => text(tr.querySelector('td'))),
        rows: q('table.drift tbody tr').map(tr => ({
          kind: tr.getAttribute('data-kind') ?? '',
          name: text(tr.querySelectorAll('td')[2]),
          property: text(tr.querySelectorAll('td')[3]),
        })),
      },
      notes: q('.note').map(e => text(e)),
      repositoryRows: q('table.repositories tbody tr').map(tr => ({
        name: text(tr.querySelector('td')),
        tags: text(tr.querySelector('td.tags')),
        lifecyclePolicy: text(tr.querySelector('pre.policy')),
      })),
      elements: {
        script: q('script').length,
        img: q('img').length,
        injected: q('#injected').length,
        bold: q('body b').length,
      },
    };
  });
  return {
    ...raw,
    charts: raw.charts.map(c => ({
      ...c,
      bars: c.bars.map(b => ({
        repository: b.repository,
        others: b.others,
        bytes: b.bytes,
        label: b.label,
        width: b.width,
        shownBytes: shown(b.figure),
      })),
    })),
    usage: raw.usage.map(u => ({ ...u, images: number(u.images), bytes: u.bytes.map(number) })),
    rules: Object.fromEntries(raw.rules.map(([id, n]) => [id, number(n)])),
    drift: { ...raw.drift, counts: Object.fromEntries(raw.drift.counts.map(([kind, n]) => [kind, number(n)])) },
  };
}
