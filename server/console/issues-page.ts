// Issues: failures grouped (rejections by source and reason, failed runs by flow, step and error
// type, reconciliation exhausted by flow) with a status; from one, a replay of its events with the
// dry-run count first, then the job's progress and a stop button.
import type { ReplayJob } from '../admin';
import type { Issue, IssueFilter, Issues } from '../admin';
import { ISSUE_KINDS, ISSUE_STATUSES } from '../admin';
import { type Html, html, query, when } from './html';
import { postForm } from './layout';
import { deliveryHref } from './deliveries-page';
import { destinationHref } from './outbound-page';

export const issueHref = (id: string) => `/console/issues/${encodeURIComponent(id)}`;
export const jobHref = (id: string) => `/console/replays/${encodeURIComponent(id)}`;

function keyOf(issue: Issue): Html {
  return html`${Object.entries(issue.key).filter(([, v]) => v).map(([k, v]) => html`<span class="muted">${k}</span> <code>${v}</code> `)}`;
}

function choice(name: string, values: readonly string[], current: string | undefined): Html {
  return html`<label>${name}<select name="${name}"><option value="">any</option>${values.map((v) => html`<option ${v === current ? html`selected` : ''}>${v}</option>`)}</select></label>`;
}

/** What to do about it (a destination: resume it, retry what failed). */
function todoOf(issue: Issue): Html {
  return issue.todo?.length ? html`<ul class="todo">${issue.todo.map((t) => html`<li>${t}</li>`)}</ul>` : html``;
}

/** A destination's issue: its buttons, as on the Outbound page. */
function destinationActions(issue: Issue, csrf: string): Html {
  const name = issue.key.destination!;
  return html`${todoOf(issue)}<p>${issue.todo?.some((t) => t.startsWith('resume')) ? postForm(`${destinationHref(name)}/resume`, csrf, `Resume ${name}`) : ''}
    ${issue.todo?.some((t) => t.startsWith('retry')) ? postForm(`${destinationHref(name)}/retry-failed`, csrf, `Retry failed deliveries of ${name}`) : ''}
    <a href="/console/outbound${query({ destination: name })}">Its deliveries on the Outbound page</a></p>`;
}

export async function issuesPage(api: Issues, filter: IssueFilter): Promise<Html> {
  const issues = await api.list(filter);
  const rows = issues.map((i) => html`<tr><td><a href="${issueHref(i.id)}">${i.title}</a><div>${keyOf(i)}</div>${todoOf(i)}</td><td>${i.kind}</td>
    <td>${i.count}</td><td>${when(i.firstSeen)}</td><td>${when(i.lastSeen)}</td><td>${i.status}</td><td>${i.sample.message}</td></tr>`);
  return html`<form class="filters" method="get" action="/console/issues">${choice('status', ISSUE_STATUSES, filter.status)}${choice('kind', ISSUE_KINDS, filter.kind)}<button>Filter</button></form>
    <table><thead><tr><th>Issue</th><th>Kind</th><th>Count</th><th>First seen</th><th>Last seen</th><th>Status</th><th>Sample</th></tr></thead>
    <tbody>${rows.length ? rows : html`<tr><td colspan="7" class="muted">No issues${filter.status || filter.kind ? ' match' : ''}.</td></tr>`}</tbody></table>`;
}

export async function issuePage(api: Issues, id: string, csrf: string, dryRun?: { total: number; missing: number }): Promise<{ title: string; body: Html }> {
  const issue = await api.show(id);
  const statusForms = ISSUE_STATUSES.filter((s) => s !== issue.status).map((s) => postForm(`${issueHref(id)}/status`, csrf, `Mark ${s}`, { status: s }));
  const replay = issue.kind === 'destination'
    ? destinationActions(issue, csrf)
    : issue.kind === 'rejection'
    ? html`<p class="muted">Rejected events never ran: have the provider send them again once fixed.</p>`
    : dryRun === undefined
      ? html`<p>${postForm(`${issueHref(id)}/replay`, csrf, 'Replay its events…', { dryRun: 'true' })} <span class="muted">counts first; nothing starts yet</span></p>`
      : html`<p id="dry-run"><strong>${dryRun.total}</strong> event(s) would be replayed${dryRun.missing ? html`; <span class="bad">${dryRun.missing} are gone (past retention)</span>` : ''}.
          ${dryRun.total ? postForm(`${issueHref(id)}/replay`, csrf, `Replay ${dryRun.total} event(s)`) : html`<span class="muted">Nothing left to replay: every failed run was replayed since.</span>`}</p>`;
  const deliveries = issue.deliveries.map((d) => html`<tr><td>${when(d.at)}</td><td><a href="${deliveryHref(d.deliveryId)}">${d.deliveryId}</a></td><td>${d.eventId ?? ''}</td></tr>`);
  return {
    title: issue.title,
    body: html`<section><table><tr><th>Kind</th><td>${issue.kind}</td></tr><tr><th>Key</th><td>${keyOf(issue)}</td></tr>
      <tr><th>Status</th><td id="status">${issue.status}</td></tr><tr><th>Count</th><td>${issue.count}</td></tr>
      <tr><th>First seen</th><td>${when(issue.firstSeen)}</td></tr><tr><th>Last seen</th><td>${when(issue.lastSeen)}</td></tr>
      <tr><th>Sample</th><td>${issue.sample.message}${issue.sample.deliveryId ? html` · <a href="${deliveryHref(issue.sample.deliveryId)}">delivery</a>` : ''}${issue.sample.workflowId ? html` · <code>${issue.sample.workflowId}</code>` : ''}</td></tr></table>
      <p>${statusForms}</p></section>
      <section><h2>${issue.kind === 'destination' ? 'What to do' : 'Replay'}</h2>${replay}</section>
      <section><h2>Latest deliveries</h2><table><thead><tr><th>At</th><th>Delivery</th><th>Event</th></tr></thead><tbody>${deliveries}</tbody></table></section>`,
  };
}

/** A bulk replay's progress; the page reloads itself while the job runs. */
export function jobPage(job: ReplayJob, csrf: string): Html {
  const errors = job.errors.map((e) => html`<li><a href="${deliveryHref(e.deliveryId)}">${e.deliveryId}</a>: ${e.message}</li>`);
  return html`${job.state === 'running' ? html`<meta http-equiv="refresh" content="2">` : ''}
    <table><tr><th>State</th><td id="job-state">${job.state}${job.stopRequested && job.state === 'running' ? ' (stopping)' : ''}</td></tr>
    <tr><th>Progress</th><td id="job-progress">${job.done} of ${job.total} done, ${job.failed} failed</td></tr>
    <tr><th>Started</th><td>${when(job.createdAt)}</td></tr>${job.finishedAt ? html`<tr><th>Ended</th><td>${when(job.finishedAt)}</td></tr>` : ''}
    <tr><th>Filter</th><td><code>${JSON.stringify(job.filter)}</code></td></tr></table>
    ${job.state === 'running' ? html`<p>${postForm(`${jobHref(job._id)}/stop`, csrf, 'Stop')}</p>` : ''}
    ${errors.length ? html`<h2>Failed</h2><ul>${errors}</ul>` : ''}
    ${job.filter.flow ? html`<p><a href="/console/deliveries${query({ flow: job.filter.flow })}">Deliveries of ${job.filter.flow}</a></p>` : ''}`;
}
