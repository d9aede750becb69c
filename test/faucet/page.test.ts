// The web page in a real browser: headless Debian chromium driven by playwright-core fills an
// address, clicks, sees the transaction hash; a second click shows the limit message. Without
// /usr/bin/chromium the test is skipped loudly, except in CI (CI set) where that is a failure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { startChain, startTestFaucet, randomAddress, waitMined, ONE } from './helpers.js';
import type { Chain } from './helpers.js';
import type { RunningFaucet } from '../../src/faucet/start.js';

const CHROMIUM = '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
if (!present && process.env.CI) throw new Error(`${CHROMIUM} is missing: CI must install Debian chromium (the page test may not be skipped in CI)`);
if (!present) process.stderr.write(`\n*** SKIPPING the faucet page test: ${CHROMIUM} not installed (apt-get install chromium) ***\n\n`);

let chain: Chain;
let f: RunningFaucet;
let browser: Browser;
before(async () => {
  if (!present) return;
  chain = await startChain();
  f = await startTestFaucet([chain.node.url], { accounts: [await chain.fundedKey(10n * ONE)] });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 30_000,
  });
});
after(async () => {
  await browser?.close();
  await f?.close();
  await chain?.node.stop();
});

test('fill an address, click, see the hash; a second click shows the limit', { skip: present ? false : `${CHROMIUM} not installed` }, async () => {
  const page = await browser.newPage();
  const blocked: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(f.url)) blocked.push(r.url());
  });
  const csp: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) csp.push(m.text());
  });
  await page.goto(f.url + '/', { timeout: 15_000 });
  const to = randomAddress();
  await page.fill('#address', to);
  await page.click('#go');
  await page.waitForSelector('#txhash', { timeout: 15_000 });
  const hash = (await page.textContent('#txhash'))!;
  assert.match(hash, /^0x[0-9a-f]{64}$/);
  assert.equal((await waitMined(chain.rpc, hash)).status, '0x1');
  // for a human look at the page: FAUCET_SCREENSHOT=/tmp/page.png
  if (process.env.FAUCET_SCREENSHOT) await page.screenshot({ path: process.env.FAUCET_SCREENSHOT });
  await page.click('#go');
  await page.waitForSelector('#result:has-text("Limit reached")', { timeout: 15_000 });
  assert.match((await page.textContent('#result'))!, /Limit reached: try again in (23h 59m|24h 0m) \d+s\./);
  assert.equal(await page.$('#txhash'), null);
  assert.deepEqual(blocked, [], 'the page loads nothing from elsewhere');
  assert.deepEqual(csp, [], 'no CSP violations: the inline script and style hashes match');
  await page.close();
});
