// The faucet's web page: one self-contained HTML document (inline CSS and JS, no fonts, CDNs or
// images: devnet clusters are often air-gapped). A CSP with the hashes of exactly that inline
// script and style forbids everything else.
import { createHash } from 'node:crypto';

export interface PageInfo {
  amount: string;
  faucetAddress: string;
  chainId?: number | undefined;
}

const STYLE = `
:root{color-scheme:light dark;--bg:#f5f6f8;--card:#fff;--fg:#15171a;--muted:#5d6470;--accent:#1d4ed8;--ok:#047857;--err:#b91c1c;--line:#d9dde3}
@media (prefers-color-scheme:dark){:root{--bg:#0f1115;--card:#181b21;--fg:#e8eaed;--muted:#9aa3ae;--accent:#60a5fa;--ok:#34d399;--err:#f87171;--line:#2a2f38}}
*{box-sizing:border-box}body{margin:0;min-height:100vh;display:grid;place-items:center;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{width:min(560px,92vw);background:var(--card);border:1px solid var(--line);border-radius:14px;padding:28px 28px 22px;box-shadow:0 6px 24px rgba(0,0,0,.06)}
h1{margin:0 0 4px;font-size:1.45rem}p.sub{margin:0 0 20px;color:var(--muted)}
label{display:block;font-weight:600;margin-bottom:6px}
.row{display:flex;gap:8px}input{flex:1;min-width:0;padding:10px 12px;border:1px solid var(--line);border-radius:8px;background:transparent;color:inherit;font:14px ui-monospace,SFMono-Regular,Menlo,monospace}
input:focus{outline:2px solid var(--accent);outline-offset:1px}
button{padding:10px 18px;border:0;border-radius:8px;background:var(--accent);color:#fff;font-weight:600;cursor:pointer}button:disabled{opacity:.6;cursor:wait}
#result{margin-top:16px;min-height:1.5em;word-break:break-all}#result.ok{color:var(--ok)}#result.err{color:var(--err)}
code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace}footer{margin-top:18px;font-size:.85rem;color:var(--muted);word-break:break-all}
`;

const SCRIPT = `
const f=document.getElementById('drip'),b=document.getElementById('go'),r=document.getElementById('result');
function span(s){const h=Math.floor(s/3600),m=Math.floor(s%3600/60),x=s%60;return (h?h+'h ':'')+(h||m?m+'m ':'')+x+'s'}
function show(cls,text,code){r.className=cls;r.textContent=text;if(code){const c=document.createElement('code');c.id='txhash';c.textContent=code;r.append(c)}}
f.addEventListener('submit',async(ev)=>{ev.preventDefault();b.disabled=true;show('','Sending...');
try{const res=await fetch('drip',{method:'POST',headers:{'content-type':'application/x-www-form-urlencoded'},body:new URLSearchParams({address:f.address.value.trim()})});
const j=await res.json().catch(()=>({error:'unexpected answer ('+res.status+')'}));
if(res.status===202)show('ok','Submitted, not confirmed yet (the node was slow): look up transaction ',j.txHash);
else if(res.ok)show('ok','Sent! Transaction: ',j.txHash);
else if(res.status===429)show('err','Limit reached: try again in '+span(j.retryAfterS||0)+'.');
else show('err',j.error||('error '+res.status));}
catch(e){show('err','Network error: '+e.message)}finally{b.disabled=false}});
fetch('health').then((res)=>res.json()).then((j)=>{if(j.status!=='ok'&&!r.textContent)show('err','The faucet is temporarily unavailable (the wallet is empty or the node is down); please try again later.')}).catch(()=>{});
`;

function sha256b64(s: string): string {
  return createHash('sha256').update(s).digest('base64');
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The page and the Content-Security-Policy that admits exactly its inline script and style. */
export function renderPage(info: PageInfo): { html: string; csp: string } {
  const chain = info.chainId !== undefined ? ` on chain ${info.chainId}` : '';
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Lux devnet faucet</title><style>${STYLE}</style></head>
<body><main>
<h1>Lux devnet faucet</h1>
<p class="sub">Get ${esc(info.amount)} test ${info.amount === '1' ? 'token' : 'tokens'}${esc(chain)}.</p>
<form id="drip" method="post" action="drip">
<label for="address">Your address</label>
<div class="row"><input id="address" name="address" placeholder="0x..." autocomplete="off" spellcheck="false" required pattern="0x[0-9a-fA-F]{40}"><button id="go" type="submit">Send tokens</button></div>
</form>
<div id="result" role="status" aria-live="polite"></div>
<footer>Faucet address: <code>${esc(info.faucetAddress)}</code></footer>
</main><script>${SCRIPT}</script></body></html>
`;
  const csp = `default-src 'none'; style-src 'sha256-${sha256b64(STYLE)}'; script-src 'sha256-${sha256b64(SCRIPT)}'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`;
  return { html, csp };
}
