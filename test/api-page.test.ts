/**
 * The API page in a real browser (Debian's Chromium, headless, driven by puppeteer-core): it loads
 * from this server alone, lists the PRSS operations, and "Try it out" on Claim/$validate, with the
 * demo claim it offers, shows the OperationOutcome the server gives that claim.
 */
import type { Claim } from 'fhir/r4';
import { existsSync } from 'node:fs';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { loadDemoData } from '../src/demo';
import { FHIR_JSON, freePort, startTestApp, type TestApp } from './support/server';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
// A browser and an app with demo data on two shared cores: generous time per step.
jest.setTimeout(180_000);
const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

let t: TestApp;
let origin: string;
let browser: Browser;
let page: Page;
const requested: string[] = [];

beforeAll(async () => {
  if (!CHROMIUM) throw new Error('Chromium is needed for this test: apt-get install -y chromium (or set CHROMIUM_PATH); .ci/run installs it');
  t = await startTestApp({ DEMO: 'on', PORT: String(await freePort()) }, { demo: loadDemoData });
  origin = (await t.listen()).replace(/\/fhir$/, '');
  browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
  page = await browser.newPage();
  // Swagger UI renders what is in view: a tall window shows a whole tag's operations at once.
  await page.setViewport({ width: 1280, height: 6000 });
  page.on('request', (r) => requested.push(r.url()));
  // Generous waits: two cores are shared by every test process on these machines.
  page.setDefaultTimeout(120_000);
  await page.goto(`${origin}/`, { waitUntil: 'load', timeout: 120_000 });
  await page.waitForSelector('.opblock-tag');
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** The opblock of `method path` (Swagger UI keeps the plain path in data-path). */
const opblock = (method: string, path: string) => `.opblock.opblock-${method.toLowerCase()}:has(.opblock-summary-path[data-path="${path}"])`;

describe('the API page in headless Chromium', () => {
  it('loads everything from this server (no CDN) and renders the generated document', async () => {
    // Every network request (data: URLs are the stylesheet's own inline images) goes to this server.
    const fetched = requested.filter((u) => /^(https?|wss?):/.test(u));
    expect(fetched.length).toBeGreaterThanOrEqual(4);
    for (const url of fetched) expect(new URL(url).origin).toBe(origin);
    expect(requested).toContain(`${origin}/fhir/openapi.json`);
    expect(await page.$eval('.info .title', (e) => e.textContent)).toContain('PRSS FHIR Server');
  });

  it('lists the PRSS operations first', async () => {
    const tags = await page.$$eval('.opblock-tag', (els) => els.map((e) => e.getAttribute('data-tag')));
    expect(tags[0]).toBe('PRSS operations');
    const doc = (await (await fetch(`${origin}/fhir/openapi.json`)).json()) as Any;
    const prss = Object.entries(doc.paths as Any).flatMap(([p, item]) => Object.entries(item as Any).filter(([, o]) => o.tags.includes('PRSS operations')).map(([m]) => `${m.toUpperCase()} ${p}`));
    await page.click('.opblock-tag[data-tag="PRSS operations"]');
    // Swagger UI renders a tag's operations over several frames: wait for all of them.
    await page.waitForFunction((n: number) => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('.opblock').length >= n, {}, prss.length);
    // Tags start collapsed (docExpansion: none): the operations shown are the PRSS tag's.
    const listed = await page.$$eval('.opblock', (els) =>
      els.map((e) => `${e.querySelector('.opblock-summary-method')?.textContent} ${e.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`),
    );
    expect([...listed].sort()).toEqual([...prss].sort());
    expect(listed).toEqual(expect.arrayContaining([
      'POST /Claim/$validate', 'POST /Claim/{id}/$validate', 'POST /Claim/$submit',
      'GET /CarePlan/{id}/$compliance', 'GET /Patient/{id}/$utilization', 'GET /PractitionerRole/{id}/$caseload',
    ]));
  });

  it('"Try it out" on Claim/$validate with the demo claim shows the outcome the server gives that claim', async () => {
    const demoClaim = loadDemoData().entry!.map((e) => e.resource).find((r) => r?.resourceType === 'Claim') as Claim;
    const direct = await fetch(`${origin}/fhir/Claim/$validate`, { method: 'POST', headers: { 'Content-Type': FHIR_JSON }, body: JSON.stringify(demoClaim) });
    expect(direct.status).toBe(200);
    const expected = (await direct.json()) as Any;
    expect(expected.resourceType).toBe('OperationOutcome');

    const block = opblock('POST', '/Claim/$validate');
    await page.click(`${block} .opblock-summary-control`);
    await page.waitForSelector(`${block} .try-out__btn`);
    await page.click(`${block} .try-out__btn`);
    const body = await page.waitForSelector(`${block} textarea.body-param__text`);
    expect(JSON.parse(await body!.evaluate((e) => (e as unknown as { value: string }).value))).toEqual(demoClaim);
    await page.click(`${block} button.execute`);
    await page.waitForSelector(`${block} .live-responses-table .response-col_description pre`);
    const status = await page.$eval(`${block} .live-responses-table .response .response-col_status`, (e) => e.textContent!.trim());
    expect(status).toBe('200');
    const shown = JSON.parse(await page.$eval(`${block} .live-responses-table .response-col_description pre`, (e) => e.textContent!)) as Any;
    expect(shown).toEqual(expected);
  }, 120_000);
});
