// The Web Worker that solves the proof of work in the browser (served as /pow-worker.js, fetched
// only when a solve starts). A plain-JS SHA-256 of the one 64-byte block `seed || nonce` takes
// (40 bytes + padding): about 1 us per try in V8, so 20 bits take about a second on a laptop.
// It posts {attempts} every 2^15 tries and {nonce, attempts} when solved (pow.ts documents the
// algorithm; test/faucet/pow.test.ts runs this same source against node:crypto).
export const WORKER = `'use strict';
const K=new Int32Array([0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,0x923f82a4,0xab1c5ed5,0xd807aa98,0x12835b01,0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,0xc19bf174,0xe49b69c1,0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,0x4a7484aa,0x5cb0a9dc,0x76f988da,0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,0x06ca6351,0x14292967,0x27b70a85,0x2e1b2138,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,0x92722c85,0xa2bfe8a1,0xa81a664b,0xc24b8b70,0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,0x106aa070,0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,0x4ed8aa4a,0x5b9cca4f,0x682e6ff3,0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,0xbef9a3f7,0xc67178f2]);
const IV=new Int32Array([0x6a09e667,0xbb67ae85,0x3c6ef372,0xa54ff53a,0x510e527f,0x9b05688c,0x1f83d9ab,0x5be0cd19]);
const w=new Int32Array(64);
// first two words of SHA-256 over the block in w (w[0..15] set); the rest of the digest is not needed
function head(){
for(let i=16;i<64;i++){const x=w[i-15],y=w[i-2];w[i]=(w[i-16]+(((x>>>7)|(x<<25))^((x>>>18)|(x<<14))^(x>>>3))+w[i-7]+(((y>>>17)|(y<<15))^((y>>>19)|(y<<13))^(y>>>10)))|0}
let a=IV[0],b=IV[1],c=IV[2],d=IV[3],e=IV[4],f=IV[5],g=IV[6],h=IV[7];
for(let i=0;i<64;i++){const t1=(h+(((e>>>6)|(e<<26))^((e>>>11)|(e<<21))^((e>>>25)|(e<<7)))+((e&f)^(~e&g))+K[i]+w[i])|0;
const t2=((((a>>>2)|(a<<30))^((a>>>13)|(a<<19))^((a>>>22)|(a<<10)))+((a&b)^(a&c)^(b&c)))|0;h=g;g=f;f=e;e=(d+t1)|0;d=c;c=b;b=a;a=(t1+t2)|0}
return [(IV[0]+a)|0,(IV[1]+b)|0]}
function zeros(x,y){return x===0?32+Math.clz32(y):Math.clz32(x)}
function solve(seedHex,bits,report){
const seed=new Int32Array(8);for(let i=0;i<8;i++)seed[i]=parseInt(seedHex.slice(i*8,i*8+8),16)|0;
for(let n=0;n<9007199254740991;n++){
w.set(seed);w[8]=Math.floor(n/4294967296)|0;w[9]=n|0;w[10]=-2147483648;w[11]=0;w[12]=0;w[13]=0;w[14]=0;w[15]=320;
const r=head();if(zeros(r[0],r[1])>=bits)return n;
if((n&32767)===32767)report(n+1)}
return -1}
if(typeof self!=='undefined'&&typeof self.postMessage==='function'&&typeof module==='undefined'){
self.onmessage=(e)=>{const m=e.data;const n=solve(String(m.seed),Number(m.difficulty),(a)=>self.postMessage({attempts:a}));self.postMessage({nonce:n,attempts:n+1})}}
else if(typeof module!=='undefined')module.exports={solve};
`;
