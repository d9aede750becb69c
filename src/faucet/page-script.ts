// The page's script (plain ES2020, inline, admitted by the CSP hash). It trims and checks the
// address, solves the proof of work in a Web Worker when the faucet asks for one (with progress),
// posts the drip, and renders the answer: the transaction as an explorer link with a copy button and
// its mined status (polled from tx/<hash>), or which limit was hit and when it frees, from the
// server's answer. Server texts are shown only for the user's own mistakes (4xx); anything else is a
// generic "temporarily unavailable". The same form works without this script (server-rendered).
export const SCRIPT = `(()=>{
const $=(i)=>document.getElementById(i);
const cfg=JSON.parse($('cfg').textContent);
const form=$('drip'),input=$('address'),btn=$('go'),out=$('result'),prog=$('progress'),bar=$('bar'),ptext=$('ptext');
let gen=0,worker=null;
const PENDING='The node has not confirmed it yet; it may take a little longer. This request counted: no need to ask again.';
const J={headers:{accept:'application/json'}};
function el(t,c,x){const e=document.createElement(t);if(c)e.className=c;if(x!=null)e.textContent=x;return e}
function span(s){s=Math.max(1,Math.round(s));const h=Math.floor(s/3600),m=Math.floor(s%3600/60),x=s%60;return h?h+' h '+m+' min':m?m+' min'+(x&&m<10?' '+x+' s':''):x+' s'}
function clock(ms){try{return new Date(ms).toLocaleTimeString([],{hour:'2-digit',minute:'2-digit'})}catch(e){return ''}}
function when(j){const s=Number(j.retryAfterS)||0,t=clock(j.retryAt||Date.now()+s*1000);return 'in '+span(s)+(t?' (at '+t+')':'')}
function reset(){gen++;if(worker){worker.terminate();worker=null}out.replaceChildren();out.className='';prog.hidden=true;input.removeAttribute('aria-invalid')}
function say(kind,lead,more){out.className=kind;out.append(el('p','lead',lead));if(more)out.append(el('p',null,more))}
function fail(st,j){
if(st===429){say('err',j.limit==='ip'?'Your network (IP address) already received '+cfg.offer+' recently.':'This address already received '+cfg.offer+' recently.','You can ask again '+when(j)+'.');return}
if(st===503&&j.reason==='budget'){say('err','The faucet has handed out its daily budget.','It can send again '+when(j)+'.');return}
if(st>=400&&st<500&&typeof j.error==='string'){say('err',j.error.charAt(0).toUpperCase()+j.error.slice(1)+(/[.!?]$/.test(j.error)?'':'.'));return}
say('err','The faucet is temporarily unavailable.','Please try again in a few minutes.')}
function txRow(label,hash,my){
const row=el('p','tx');row.append(label+' ');
const url=cfg.explorer?cfg.explorer.split('{hash}').join(hash):null;
const h=url?el('a','mono',hash):el('code',null,hash);if(url){h.href=url;h.target='_blank';h.rel='noopener noreferrer'}h.id=label==='Transaction'?'txhash':'tokentxhash';
const copy=el('button','quiet','Copy');copy.type='button';copy.setAttribute('aria-label','Copy the transaction hash');
copy.addEventListener('click',()=>{const done=()=>{copy.textContent='Copied';setTimeout(()=>copy.textContent='Copy',2000)};
if(navigator.clipboard&&window.isSecureContext)navigator.clipboard.writeText(hash).then(done,()=>legacy(hash)&&done());else if(legacy(hash))done()});
const st=el('span','txstatus','Waiting to be mined\\u2026');
row.append(h,copy,st);out.append(row);poll(hash,st,my,0)}
function legacy(t){const a=el('textarea');a.value=t;a.setAttribute('readonly','');a.style.position='fixed';a.style.opacity='0';document.body.append(a);a.select();let ok=false;try{ok=document.execCommand('copy')}catch(e){}a.remove();return ok}
function poll(hash,st,my,n){if(my!==gen||n>120)return;
fetch('tx/'+hash,J).then((r)=>r.json()).then((j)=>{if(my!==gen)return;
if(j.status==='mined'){st.textContent='Mined'+(j.blockNumber!=null?' in block '+j.blockNumber:'')+'.';return}
if(j.status==='failed'){st.textContent='Mined, but the transfer failed.';return}
setTimeout(()=>poll(hash,st,my,n+1),1000)}).catch(()=>setTimeout(()=>poll(hash,st,my,n+1),2000))}
function solve(addr,my){return fetch('challenge?address='+addr,J).then((r)=>r.json().catch(()=>({})).then((j)=>{
if(!r.ok){fail(r.status,j);return null}
prog.hidden=false;bar.value=0;ptext.textContent='Checking that you are not a bot (0%)\\u2026';
const exp=Math.pow(2,j.difficulty);
return new Promise((ok,ko)=>{worker=new Worker('pow-worker.js');
worker.onmessage=(e)=>{if(my!==gen)return;const d=e.data;
if(d.nonce!=null){worker.terminate();worker=null;bar.value=100;ok({challenge:j.challenge,nonce:String(d.nonce)});return}
const p=Math.min(99,Math.floor(100*(1-Math.exp(-d.attempts/exp))));bar.value=p;ptext.textContent='Checking that you are not a bot ('+p+'%)\\u2026'};
worker.onerror=(e)=>{e.preventDefault();ko(e)};worker.postMessage({seed:j.seed,difficulty:j.difficulty})})}))}
form.addEventListener('submit',async(ev)=>{ev.preventDefault();reset();const my=gen;
const addr=input.value.trim();input.value=addr;
if(!/^0x[0-9a-fA-F]{40}$/.test(addr)){input.setAttribute('aria-invalid','true');say('err','That is not an address.','An address is 0x followed by 40 hexadecimal digits.');input.focus();return}
btn.disabled=true;btn.setAttribute('aria-busy','true');
try{const body={address:addr};
if(cfg.pow){const s=await solve(addr,my);if(my!==gen)return;if(!s)return;Object.assign(body,s);ptext.textContent='Sending\\u2026'}
else say('note','Sending\\u2026');
const r=await fetch('drip',{method:'POST',headers:{'content-type':'application/json',accept:'application/json'},body:JSON.stringify(body)});
const j=await r.json().catch(()=>({}));if(my!==gen)return;
out.replaceChildren();prog.hidden=true;
if(r.status===200||r.status===202){say('ok',(r.status===202?'Sending ':'Sent ')+cfg.offer+' to '+(j.address||addr)+'.',r.status===202?PENDING:null);
if(j.txHash)txRow('Transaction',j.txHash,my);if(j.tokenTxHash)txRow('Token transaction',j.tokenTxHash,my)}
else fail(r.status,j)}
catch(e){if(my===gen){out.replaceChildren();prog.hidden=true;say('err','The faucet could not be reached.','Check your connection and try again.')}}
finally{if(my===gen){btn.disabled=false;btn.removeAttribute('aria-busy')}}});
const add=$('add-network');
if(cfg.addChain&&window.ethereum&&typeof window.ethereum.request==='function'){add.parentElement.hidden=false;
add.addEventListener('click',()=>{reset();window.ethereum.request({method:'wallet_addEthereumChain',params:[cfg.addChain]}).then(()=>say('ok',cfg.addChain.chainName+' is now in your wallet.'),()=>say('err','Your wallet did not add the network.'))})}
})();`;
