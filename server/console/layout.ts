// The frame of every console page: navigation, a flash message, and a small inline style sheet
// (no build step, nothing fetched from elsewhere).
import { Html, type Value, html } from './html';

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d232a;background:#f6f7f9}
header{background:#1d232a;color:#fff;padding:8px 16px;display:flex;gap:16px;align-items:center}
header a{color:#cfe3ff;text-decoration:none}header a.on{color:#fff;font-weight:600}
header form{margin-left:auto}main{padding:16px;max-width:1200px}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border-bottom:1px solid #e3e6ea;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef1f4}pre{background:#fff;border:1px solid #e3e6ea;padding:8px;overflow:auto;max-height:480px}
.muted{color:#6b7480}.flash{background:#fff7d6;border:1px solid #e6d28a;padding:8px;margin-bottom:12px}
.bad{color:#b00020}.ok{color:#0a7a2f}.filters{display:flex;flex-wrap:wrap;gap:8px;margin-bottom:12px;align-items:end}
.filters label{display:flex;flex-direction:column;font-size:12px}input,select,button{font:inherit}
button{cursor:pointer}section{margin-bottom:20px}code{font-size:13px}`;

export type ConsolePage = 'deliveries' | 'issues' | 'flows' | 'outbound' | 'health' | 'login';

const NAV: [ConsolePage, string, string][] = [
  ['deliveries', 'Deliveries', '/console/deliveries'],
  ['issues', 'Issues', '/console/issues'],
  ['flows', 'Flows and sources', '/console/flows'],
  ['outbound', 'Outbound', '/console/outbound'],
  ['health', 'Health', '/console/health'],
];

export function layout(page: { title: string; on: ConsolePage; csrf?: string; flash?: string; body: Value }): Html {
  const nav = page.on === 'login' ? '' : NAV.map(([key, label, href]) => html`<a href="${href}" class="${key === page.on ? 'on' : ''}">${label}</a>`);
  const logout = page.csrf ? html`<form method="post" action="/console/logout"><input type="hidden" name="_csrf" value="${page.csrf}"><button>Log out</button></form>` : '';
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title} · hookflow</title><style>${new Html(STYLE)}</style></head>
<body><header><strong>hookflow</strong>${nav}${logout}</header>
<main><h1>${page.title}</h1>${page.flash ? html`<p class="flash" role="status">${page.flash}</p>` : ''}${page.body}</main></body></html>`;
}

/** A form posting to the console with its CSRF token. */
export function postForm(action: string, csrf: string, button: string, fields: Record<string, string> = {}): Html {
  return html`<form method="post" action="${action}" style="display:inline">${Object.entries(fields).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}<input type="hidden" name="_csrf" value="${csrf}"><button>${button}</button></form>`;
}
