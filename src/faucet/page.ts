// The faucet's web page: one self-contained HTML document (inline CSS and JS, no fonts, CDNs or
// images: devnet clusters are often air-gapped). A CSP with the hashes of exactly that inline
// script and style forbids everything else; the PoW worker is the only other file (same origin).
// The same renderer answers a form POST made without JavaScript (the result filled in server-side).
import { createHash } from 'node:crypto';
import { STYLE } from './page-style.js';
import { SCRIPT } from './page-script.js';
import { WORKER } from './pow-worker.js';

export interface PageConfig {
  title: string;
  networkName: string;
  /** native coin symbol */
  symbol: string;
  chainId?: number | undefined;
  /** native amount per drip ("1"), undefined when only a token is dripped */
  amount?: string | undefined;
  token?: { amount: string; symbol: string; address: string } | undefined;
  faucetAddress: string;
  /** transaction link template with {hash} */
  explorerUrl?: string | undefined;
  rpcPublicUrl?: string | undefined;
  policy: readonly string[];
  pow: boolean;
}

export interface PageResult {
  kind: 'ok' | 'err' | 'note';
  lead: string;
  more?: string | undefined;
  txs?: Array<{ label: string; hash: string; status?: string | undefined }> | undefined;
}

function sha256b64(s: string): string {
  return createHash('sha256').update(s).digest('base64');
}

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** What one drip gives, e.g. "1 LUX and 10 USDC". */
export function offerText(c: Pick<PageConfig, 'amount' | 'symbol' | 'token'>): string {
  const parts: string[] = [];
  if (c.amount !== undefined) parts.push(`${c.amount} ${c.symbol}`);
  if (c.token) parts.push(`${c.token.amount} ${c.token.symbol}`);
  return parts.join(' and ');
}

/** The transaction link for a hash, or undefined without --explorer-url. */
export function txUrl(template: string | undefined, hash: string): string | undefined {
  return template ? template.split('{hash}').join(hash) : undefined;
}

/** EIP-3085 wallet_addEthereumChain parameters, when the page can offer the button. */
function addChainParams(c: PageConfig): Record<string, unknown> | null {
  if (!c.rpcPublicUrl || c.chainId === undefined) return null;
  const explorer = c.explorerUrl ? new URL(c.explorerUrl.split('{hash}').join('0x')).origin : undefined;
  return {
    chainId: `0x${c.chainId.toString(16)}`,
    chainName: c.networkName,
    nativeCurrency: { name: c.symbol, symbol: c.symbol, decimals: 18 },
    rpcUrls: [c.rpcPublicUrl],
    ...(explorer ? { blockExplorerUrls: [explorer] } : {}),
  };
}

function resultHtml(c: PageConfig, r: PageResult | undefined): string {
  if (!r) return '';
  const rows = (r.txs ?? []).map((t) => {
    const url = txUrl(c.explorerUrl, t.hash);
    const link = url ? `<a class="mono" href="${esc(url)}" rel="noopener noreferrer">${esc(t.hash)}</a>` : `<code>${esc(t.hash)}</code>`;
    return `<p class="tx">${esc(t.label)} ${link} <a href="tx/${esc(t.hash)}">${esc(t.status ?? 'check whether it is mined')}</a></p>`;
  });
  return `<p class="lead">${esc(r.lead)}</p>${r.more ? `<p>${esc(r.more)}</p>` : ''}${rows.join('')}`;
}

export const CSP = `default-src 'none'; style-src 'sha256-${sha256b64(STYLE)}'; script-src 'sha256-${sha256b64(SCRIPT)}'; worker-src 'self'; connect-src 'self'; img-src 'none'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`;
export const WORKER_CSP = "default-src 'none'";
export { WORKER };

/** The page, optionally with a result (the no-JavaScript answer to a form POST). */
export function renderPage(c: PageConfig, result?: PageResult): string {
  const offer = offerText(c);
  const cfg = { offer, explorer: c.explorerUrl ?? null, pow: c.pow, addChain: addChainParams(c) };
  // a JSON data block is not executed (the CSP does not apply); "<" escaped so it cannot close the element
  const cfgJson = JSON.stringify(cfg).replace(/</g, '\\u003c');
  const net = `${c.networkName}${c.chainId !== undefined ? ` · chain ID ${c.chainId}` : ''}`;
  const noscript = c.pow
    ? 'This faucet asks your browser to solve a short proof-of-work puzzle, which needs JavaScript. Please enable it for this page.'
    : 'Without JavaScript the form still works: you will get an answer page.';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(c.title)}</title><meta name="description" content="${esc(`Get ${offer} on ${c.networkName}.`)}"><style>${STYLE}</style></head>
<body><main>
<h1>${esc(c.title)}</h1>
<p class="net">${esc(net)}</p>
<p class="offer">Get <strong>${esc(offer)}</strong> for testing.</p>
<ul class="policy">${c.policy.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>
<form id="drip" method="post" action="drip" novalidate>
<label for="address">Your address on ${esc(c.networkName)}</label>
<input id="address" name="address" type="text" placeholder="0x…" autocomplete="off" autocapitalize="off" autocorrect="off" spellcheck="false" required aria-describedby="address-hint">
<p id="address-hint" class="hint">0x followed by 40 hexadecimal digits. Tokens here have no real value.</p>
<button id="go" type="submit">Send ${esc(offer)}</button>
<div id="progress" hidden><progress id="bar" max="100" value="0" aria-labelledby="ptext"></progress><p id="ptext" class="hint"></p></div>
</form>
<noscript><p class="hint">${noscript}</p></noscript>
<div id="result" role="status" aria-live="polite"${result ? ` class="${result.kind}"` : ''}>${resultHtml(c, result)}</div>
<div class="addnet" hidden><button id="add-network" type="button" class="quiet">Add ${esc(c.networkName)} to your wallet</button></div>
<footer>Sent from <code>${esc(c.faucetAddress)}</code>${c.token ? ` · token <code>${esc(c.token.address)}</code>` : ''}</footer>
</main><script type="application/json" id="cfg">${cfgJson}</script><script>${SCRIPT}</script></body></html>
`;
}

/** True when the client asked for an HTML answer (a browser's form POST), not JSON. */
export function wantsHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const types = accept.toLowerCase().split(',').map((t) => t.split(';')[0]!.trim());
  const html = types.indexOf('text/html');
  const json = types.indexOf('application/json');
  return html >= 0 && (json < 0 || html < json);
}
