/**
 * The docs page in a real browser (Debian's chromium, driven by playwright-core) against
 * `sluice dev`: it renders every stream of the example tenant from our own origin only, with
 * no console error, and a request sent from the page with a pasted token lands.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTenant } from '#shared/config/tenant-loader';
import { DOCS_PATH, ingestPath, OPENAPI_PATH } from '#shared/contract/contract';
import { type DevProcess, REPO_ROOT, SLUICE_BIN, startDevProcess } from './support/dev-process.ts';
import { landedRecordsIn } from './support/landed-records.ts';
import { tempHome } from './support/temp-home.ts';

const CHROMIUM = '/usr/bin/chromium';
const chromiumInstalled = existsSync(CHROMIUM);
/** Where the screenshot is kept (git-ignored). */
const SCREENSHOT = join(REPO_ROOT, 'test-output', 'docs-page.png');

const run = promisify(execFile);

// CI installs chromium (.ci/run): there a missing browser is a failure, not a skip.
describe.runIf(!chromiumInstalled && process.env.CI)('the docs page in CI', () => {
  it(`finds Debian's chromium at ${CHROMIUM}, which .ci/run installs`, () => {
    expect(existsSync(CHROMIUM)).toBe(true);
  });
});

if (!chromiumInstalled && !process.env.CI) {
  describe.skip(`the docs page in a browser: skipped, ${CHROMIUM} is missing (apt-get install chromium)`, () => {
    it('renders the streams and sends a request', () => {});
  });
}

type OpenApi = {
  paths: Record<string, Record<string, { responses?: Record<string, unknown>; requestBody?: unknown }>>;
};

describe.runIf(chromiumInstalled)('the docs page in a browser, against sluice dev', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let dev: DevProcess;
  let userData: string;
  let browser: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];
  const foreignRequests: string[] = [];

  beforeAll(async () => {
    home = await tempHome();
    dev = await startDevProcess(home.base, ['--no-schedules']);
    userData = await mkdtemp(join(tmpdir(), 'sluice-chromium-'));
    browser = await chromium.launchPersistentContext(userData, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 1000 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(`${dev.url}/`) && !/^(data|blob):/.test(url)) foreignRequests.push(url);
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (dev && dev.child.exitCode === null && dev.child.signalCode === null) {
      dev.child.kill('SIGTERM');
      await dev.exited;
    }
    await home?.remove();
    if (userData) await rm(userData, { recursive: true, force: true });
  });

  it('shows every stream of the example tenant with its statuses and schema fields, with no console error and nothing fetched from another origin', async () => {
    const document = (await (await fetch(`${dev.url}${OPENAPI_PATH}`)).json()) as OpenApi;
    await page.goto(`${dev.url}${DOCS_PATH}`);
    const { config } = await loadTenant();
    for (const id of Object.keys(config.streams)) {
      const path = ingestPath(id);
      await page.getByText(path).first().waitFor({ state: 'attached' });
    }
    const expected: string[] = [];
    for (const id of Object.keys(config.streams)) {
      const operation = document.paths[ingestPath(id)]?.post;
      expect(operation, `the document describes POST ${ingestPath(id)}`).toBeDefined();
      expected.push(...Object.keys(operation?.responses ?? {}), ...schemaFields(operation?.requestBody));
    }
    expect(expected.length).toBeGreaterThanOrEqual(Object.keys(config.streams).length);
    expect(await wordsNotShown(page, expected)).toEqual([]);
    await mkdir(join(REPO_ROOT, 'test-output'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: false });
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
  }, 90_000);

  it('sends a request with a pasted token from the page: it answers 202, and the record lands', async () => {
    const { stdout } = await run(process.execPath, [SLUICE_BIN, 'token', 'create', '--streams', 'events'], {
      cwd: REPO_ROOT,
      env: { ...process.env, SLUICE_HOME: home.base },
    });
    const token = stdout.trim();
    const id = `docs-page-${randomUUID()}`;
    if (!page.url().endsWith(DOCS_PATH)) await page.goto(`${dev.url}${DOCS_PATH}`);

    await page
      .getByRole('button', { name: new RegExp(`Test Request.*${ingestPath('events')}`) })
      .first()
      .click();
    const client = page.getByRole('dialog');
    await client.getByPlaceholder('Token').fill(token);
    // The body editor is the disclosure panel under "Request Body" (the other editors are header and cookie cells).
    const bodyPanel = await client.getByRole('button', { name: 'Request Body' }).getAttribute('aria-controls');
    await client.locator(`[id="${bodyPanel}"] .cm-content`).click();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.insertText(JSON.stringify({ id }));
    // The editor hands its text to the request after a debounce; the code snippet shows when it has.
    const snippetButton = client.getByRole('button', { name: /Code Snippet/ });
    await snippetButton.click();
    const snippet = await snippetButton.getAttribute('aria-controls');
    await client.locator(`[id="${snippet}"]`).getByText(id).first().waitFor();
    const answered = page.waitForResponse((response) => response.url() === `${dev.url}${ingestPath('events')}`);
    await client.getByRole('button', { name: /^Send post request/ }).click();
    const response = await answered;
    expect(response.request().headers().authorization).toBe(`Bearer ${token}`);
    expect(response.status()).toBe(202);
    expect(await response.json()).toMatchObject({ status: 'accepted', stream: 'events', records: 1 });
    await client.getByText('202 Accepted').first().waitFor();
    await page.screenshot({ path: SCREENSHOT.replace(/\.png$/, '-request.png') });
    expect(consoleErrors).toEqual([]);

    // Stopping flushes every buffer; then read what landed, as other e2e tests do.
    dev.child.kill('SIGTERM');
    expect(await dev.exited).toBe(0);
    const landed = (await landedRecordsIn(home.s3, 'events')).map((line) => JSON.parse(line) as { id?: string });
    expect(landed).toContainEqual({ id });
  }, 90_000);
});

/** Property names of a request body's JSON schema (of the object, or of an array's items). */
function schemaFields(requestBody: unknown): string[] {
  type Schema = { properties?: Record<string, unknown>; items?: Schema };
  const content = (requestBody as { content?: Record<string, { schema?: Schema }> } | undefined)?.content ?? {};
  const schema = content['application/json']?.schema;
  return Object.keys(schema?.properties ?? schema?.items?.properties ?? {});
}

/**
 * Which of `words` the page does not show as words of their own, waiting up to 30 s: Scalar
 * renders the operations below the fold a little after the page has loaded.
 */
async function wordsNotShown(page: Page, words: readonly string[]): Promise<string[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText, which separates rendered blocks; textContent runs them together.
    const text = await page.locator('body').innerText();
    const missing = words.filter(
      (word) => !new RegExp(`(^|\\s)${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\s|$)`).test(text),
    );
    if (missing.length === 0 || Date.now() > deadline) return missing;
    await page.waitForTimeout(250);
  }
}
