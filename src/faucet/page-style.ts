// The page's stylesheet. Colours are chosen for WCAG AA in both schemes (text >= 4.5:1 on its
// background, borders and focus rings >= 3:1; the test checks with axe-core in Chromium). On a phone
// the address field's font shrinks with the viewport so a whole 42-character address stays visible.
export const STYLE = `
:root{color-scheme:light dark;--bg:#f3f4f6;--card:#fff;--fg:#16181d;--muted:#4b5563;--line:#6b7280;--soft:#e5e7eb;--accent:#1d4ed8;--on-accent:#fff;--link:#1d4ed8;--ok:#046c4e;--err:#b42318;--note:#eef2ff}
@media (prefers-color-scheme:dark){:root{--bg:#0f1115;--card:#181b21;--fg:#eceef1;--muted:#b4bcc8;--line:#7c8594;--soft:#2a2f38;--accent:#8ab4ff;--on-accent:#0b1220;--link:#9cc0ff;--ok:#5ee39a;--err:#ff9a8f;--note:#1f2533}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;padding:16px 8px;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{width:min(600px,100%);background:var(--card);border:1px solid var(--soft);border-radius:14px;padding:24px clamp(14px,4vw,28px)}
h1{margin:0;font-size:1.5rem;line-height:1.25}
.net{margin:2px 0 18px;color:var(--muted)}
.offer{margin:0 0 4px;font-size:1.15rem}
ul.policy{margin:6px 0 18px;padding-left:1.2em;color:var(--muted)}
ul.policy li{margin:2px 0}
label{display:block;font-weight:600;margin-bottom:6px}
input{display:block;width:100%;padding:10px 8px;border:1px solid var(--line);border-radius:8px;background:var(--card);color:var(--fg);font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:min(16px,calc((100vw - 66px)/27));letter-spacing:0}
.hint{margin:4px 0 12px;font-size:.9rem;color:var(--muted)}
button{font:inherit;font-weight:600;padding:10px 18px;border-radius:8px;border:1px solid var(--accent);background:var(--accent);color:var(--on-accent);cursor:pointer;min-height:44px}
button.quiet{background:transparent;color:var(--link);border-color:var(--line);padding:4px 10px;min-height:32px;font-size:.9rem}
button:disabled{cursor:wait;opacity:.75}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
input:focus-visible{outline-offset:1px}
a{color:var(--link)}
#progress{margin:14px 0 0}
#progress progress{width:100%;height:10px;accent-color:var(--accent)}
#result{margin-top:16px}
#result:empty{display:none}
#result p{margin:6px 0;overflow-wrap:anywhere}
#result.ok,#result.err,#result.note{padding:10px 14px;border-radius:10px;border:1px solid var(--soft)}
#result.ok{border-left:4px solid var(--ok)}
#result.err{border-left:4px solid var(--err)}
#result.note{background:var(--note)}
#result .lead{font-weight:600}
#result.ok .lead{color:var(--ok)}
#result.err .lead{color:var(--err)}
.tx{display:flex;flex-wrap:wrap;align-items:center;gap:6px 10px}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:.88rem;word-break:break-all}
.addnet{margin-top:18px}
footer{margin-top:20px;padding-top:12px;border-top:1px solid var(--soft);font-size:.85rem;color:var(--muted)}
footer code{font-size:.8rem}
[hidden]{display:none!important}
`;
