// The web page in a real browser (headless Debian chromium driven by playwright-core), tried as a new
// user would at 1200x900 and 390x844, light and dark: the offer and policy are visible before the
// click; the proof of work runs in a worker with progress; the answer shows the transaction as an
// explorer link with a working copy button and its mined status; a second try says which limit and
// when it frees; a stale message is cleared; a pasted address is trimmed and fits a phone's width;
// axe-core (npm) finds no serious or critical WCAG A/AA violation in any state; the wallet button
// appears only with an injected wallet; without JavaScript the form still gets an HTML answer.
// Screenshots go to $FAUCET_SCREENSHOT_DIR (default .cache/faucet-page-screenshots).
// Without /usr/bin/chromium the test is skipped loudly, except in CI (CI set) where that is a failure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { randomBytes } from 'node:crypto';
import { startChain, startTestFaucet, randomAddress, waitMined, ONE, NO_LIMIT } from './helpers.js';
import type { Chain } from './helpers.js';
import { ROOT } from '../helpers/run-bin.js';
import type { RunningFaucet } from '../../src/faucet/start.js';
import { WORKER } from '../../src/faucet/pow-worker.js';

const CHROMIUM = '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
if (!present && process.env.CI) throw new Error(`${CHROMIUM} is missing: CI must install Debian chromium (the page test may not be skipped in CI)`);
if (!present) process.stderr.write(`\n*** SKIPPING the faucet page test: ${CHROMIUM} not installed (apt-get install chromium) ***\n\n`);
const skip = present ? false : `${CHROMIUM} not installed`;

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const SHOTS = process.env.FAUCET_SCREENSHOT_DIR ?? join(ROOT, '.cache', 'faucet-page-screenshots');
const EXPLORER = 'https://explorer.invalid/tx/{hash}';

let chain: Chain;
let powFaucet: RunningFaucet;
let plainFaucet: RunningFaucet;
let browser: Browser;
before(async () => {
  if (!present) return;
  mkdirSync(SHOTS, { recursive: true });
  chain = await startChain();
  const page = { title: 'Lux Testnet faucet', networkName: 'Lux Testnet', symbol: 'LUX', explorerUrl: EXPLORER, rpcPublicUrl: 'https://rpc.invalid/ext/bc/C/rpc' };
  powFaucet = await startTestFaucet([chain.node.url], {
    accounts: [await chain.fundedKey(100n * ONE)], ipLimit: NO_LIMIT, page,
    guards: { listReloadMs: 0, refuseContracts: true, dailyBudgetWei: 1000n * ONE, pow: { difficulty: 16, key: randomBytes(32), ttlMs: 120_000 } },
  });
  plainFaucet = await startTestFaucet([chain.node.url], { accounts: [await chain.fundedKey(10n * ONE)], page });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 30_000,
  });
});
after(async () => {
  await browser?.close();
  await powFaucet?.close();
  await plainFaucet?.close();
  await chain?.node.stop();
});

interface Watch {
  foreign: string[];
  csp: string[];
  requests: string[];
}

async function open(ctx: BrowserContext, url: string): Promise<{ page: Page; watch: Watch }> {
  const page = await ctx.newPage();
  const watch: Watch = { foreign: [], csp: [], requests: [] };
  page.on('request', (r) => {
    watch.requests.push(r.url());
    if (!r.url().startsWith(url)) watch.foreign.push(r.url());
  });
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) watch.csp.push(m.text());
  });
  await page.goto(url + '/', { timeout: 15_000 });
  return { page, watch };
}

/** axe-core in the page (evaluated over CDP, so the page's CSP does not apply); serious/critical WCAG A/AA findings. */
async function axe(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  // browser-side code is passed as strings: the tests compile without DOM types
  const found = await page.evaluate<Array<{ id: string; impact: string; nodes: string[] }>>(`axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })
    .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => JSON.stringify(n.target) + ': ' + n.failureSummary) })))`);
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.nodes.join(' | ')}`);
}

/** Nothing sticks out sideways (a phone would have to scroll to read it). */
async function noSideScroll(page: Page, width: number): Promise<void> {
  const w = await page.evaluate<number>('document.documentElement.scrollWidth');
  assert.ok(w <= width, `page is ${w}px wide in a ${width}px viewport`);
}

const text = async (page: Page, sel: string) => (await page.innerText(sel)).replace(/\s+/g, ' ').trim();

for (const [width, height] of [[1200, 900], [390, 844]] as const) {
  for (const scheme of ['light', 'dark'] as const) {
    test(`page at ${width}x${height}, ${scheme}: offer and policy, PoW progress, tx link + copy + mined, limit reason, stale message cleared, axe clean`, { skip }, async () => {
      const ctx = await browser.newContext({ viewport: { width, height }, colorScheme: scheme, deviceScaleFactor: 1 });
      await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: powFaucet.url });
      try {
        const { page, watch } = await open(ctx, powFaucet.url);
        const tag = `${width}x${height}-${scheme}`;
        // before the click: identity, amount, symbol and the policy
        assert.equal(await page.title(), 'Lux Testnet faucet');
        assert.equal(await text(page, 'h1'), 'Lux Testnet faucet');
        assert.equal(await text(page, '.net'), 'Lux Testnet · chain ID 96369');
        assert.equal(await text(page, '.offer'), 'Get 1 LUX for testing.');
        const policy = await text(page, 'ul.policy');
        assert.match(policy, /Each address can receive 1 LUX once every 24 h\./);
        assert.match(policy, /At most 1000 LUX in total per 24 h for everyone\./);
        assert.match(policy, /Contract addresses are not accepted\./);
        assert.match(policy, /proof-of-work/);
        assert.equal(await text(page, '#go'), 'Send 1 LUX');
        assert.equal(await page.isVisible('#add-network'), false, 'no wallet injected: no "add network" button');
        assert.deepEqual(watch.requests, [powFaucet.url + '/'], 'first render: the page alone');
        await page.screenshot({ path: join(SHOTS, `${tag}-1-start.png`), fullPage: true });
        await noSideScroll(page, width);
        assert.deepEqual(await axe(page), [], 'axe: start');

        // a pasted address with spaces around it is trimmed, and a whole address fits the field
        const to = randomAddress();
        await page.fill('#address', `  ${to}\t`);
        const fit = await page.evaluate<{ scroll: number; client: number }>(`(() => { const i = document.getElementById('address'); i.value = i.value.trim(); return { scroll: i.scrollWidth, client: i.clientWidth }; })()`);
        assert.ok(fit.scroll <= fit.client, `the whole address is visible (${fit.scroll} <= ${fit.client})`);
        await page.fill('#address', `  ${to}\t`);
        await page.evaluate(`window.sawProgress = false; new MutationObserver(() => { if (!document.getElementById('progress').hidden) window.sawProgress = true; }).observe(document.getElementById('progress'), { attributes: true });`);
        await page.click('#go');
        await page.waitForSelector('#txhash', { timeout: 60_000 });
        assert.equal(await page.evaluate<boolean>('window.sawProgress'), true, 'progress shown while solving');
        assert.equal(await page.inputValue('#address'), to, 'trimmed');
        const hash = await text(page, '#txhash');
        assert.match(hash, /^0x[0-9a-f]{64}$/);
        assert.equal(await page.getAttribute('#txhash', 'href'), EXPLORER.replace('{hash}', hash));
        assert.match(await text(page, '#result'), new RegExp(`^Sent 1 LUX to ${to}\\. Transaction 0x`));
        await waitMined(chain.rpc, hash);
        await page.waitForSelector('#result .txstatus:has-text("Mined in block")', { timeout: 15_000 });
        await page.click('#result button:has-text("Copy")');
        await page.waitForSelector('#result button:has-text("Copied")');
        assert.equal(await page.evaluate<string>('navigator.clipboard.readText()'), hash, 'copy puts the hash on the clipboard');
        assert.ok(await page.isVisible('#txhash'));
        await page.screenshot({ path: join(SHOTS, `${tag}-2-sent.png`), fullPage: true });
        await noSideScroll(page, width);
        assert.deepEqual(await axe(page), [], 'axe: sent');

        // the same address again: the limit, from the server's answer, before any puzzle is solved
        await page.click('#go');
        await page.waitForSelector('#result.err', { timeout: 15_000 });
        const limited = await text(page, '#result');
        assert.match(limited, /^This address already received 1 LUX recently\. You can ask again in (23 h 59 min|24 h 0 min) \(at \d{1,2}:\d\d( [AP]M)?\)\.$/);
        assert.equal(await page.$('#txhash'), null, 'the previous answer is gone');
        await page.screenshot({ path: join(SHOTS, `${tag}-3-limited.png`), fullPage: true });
        await noSideScroll(page, width);
        assert.deepEqual(await axe(page), [], 'axe: limited');

        // the next attempt clears the stale message; a mistyped address is caught before sending
        await page.fill('#address', '0x1234');
        await page.press('#address', 'Enter');
        await page.waitForSelector('#result:has-text("That is not an address.")');
        assert.doesNotMatch(await text(page, '#result'), /already received/);
        assert.equal(await page.getAttribute('#address', 'aria-invalid'), 'true');
        assert.deepEqual(watch.foreign, [], 'nothing loaded from elsewhere');
        assert.deepEqual(watch.csp, [], 'no CSP violations');
        await page.close();
      } finally {
        await ctx.close();
      }
    });
  }
}

test('keyboard: tab order, focus visible, Enter submits; the wallet button appears with an injected wallet and sends EIP-3085 parameters', { skip }, async () => {
  const ctx = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  try {
    // a string, not a function: tsx would wrap a function's inner arrows in a helper the page lacks
    await ctx.addInitScript('window.walletCalls = []; window.ethereum = { request: async (a) => (window.walletCalls.push(a), null) };');
    const { page } = await open(ctx, plainFaucet.url);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate<string>('document.activeElement.id'), 'address');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate<string>('document.activeElement.id'), 'go');
    const ring = await page.evaluate<string>(`(() => { const s = getComputedStyle(document.getElementById('go')); return s.outlineStyle + ' ' + s.outlineWidth; })()`);
    assert.equal(ring, 'solid 3px', 'focus is visible');
    assert.ok(await page.isVisible('#add-network'), 'wallet button visible');
    await page.click('#add-network');
    await page.waitForSelector('#result:has-text("Lux Testnet is now in your wallet.")');
    const calls = await page.evaluate<unknown[]>('window.walletCalls');
    assert.deepEqual(calls, [{ method: 'wallet_addEthereumChain', params: [{ chainId: '0x17871', chainName: 'Lux Testnet', nativeCurrency: { name: 'LUX', symbol: 'LUX', decimals: 18 }, rpcUrls: ['https://rpc.invalid/ext/bc/C/rpc'], blockExplorerUrls: ['https://explorer.invalid'] }] }]);
    // keyboard only: focus the field, type, Enter
    await page.focus('#address');
    await page.keyboard.type(randomAddress());
    await page.keyboard.press('Enter');
    await page.waitForSelector('#txhash', { timeout: 15_000 });
    assert.doesNotMatch(await text(page, '#result'), /in your wallet/, 'the previous message was cleared');
    await page.close();
  } finally {
    await ctx.close();
  }
});

test('without JavaScript the form POST gets an HTML answer; page + worker weigh under 30 KB', { skip }, async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, javaScriptEnabled: false });
  try {
    const { page, watch } = await open(ctx, plainFaucet.url);
    const to = randomAddress();
    await page.fill('#address', ` ${to} `);
    await Promise.all([page.waitForNavigation({ timeout: 15_000 }), page.click('#go')]);
    const answer = await text(page, '#result');
    assert.match(answer, /Already received|Sent 1 LUX to/i);
    // the IP limit of this faucet may already be used by the keyboard test: both are honest HTML answers
    if (/Sent 1 LUX/.test(answer)) {
      assert.match(await page.getAttribute('#result a.mono', 'href') ?? '', /^https:\/\/explorer\.invalid\/tx\/0x[0-9a-f]{64}$/);
    } else {
      assert.match(answer, /Your network \(IP address\) already received 1 LUX recently\. You can ask again in/);
    }
    await page.screenshot({ path: join(SHOTS, '390x844-light-nojs-answer.png'), fullPage: true });
    assert.deepEqual(watch.foreign, []);
    await page.close();
  } finally {
    await ctx.close();
  }
  const html = await (await fetch(powFaucet.url + '/')).text();
  const weight = Buffer.byteLength(html) + Buffer.byteLength(WORKER);
  process.stdout.write(`# page ${Buffer.byteLength(html)} B + worker ${Buffer.byteLength(WORKER)} B = ${weight} B; screenshots in ${SHOTS}\n`);
  assert.ok(weight <= 30 * 1024, `page weight ${weight} B`);
});
