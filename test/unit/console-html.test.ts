// The console's HTML template escapes every value and its sessions refuse forged, expired and
// cross-token cookies and CSRF tokens (server/console/html.ts, session.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { html, query } from '../../server/console/html';
import { SESSION_MS, createSessions } from '../../server/console/session';
import type { SessionRevocations } from '../../server/console/revocations';

test('every interpolated value is escaped; only html fragments pass as markup', () => {
  const body = '<script>alert("x")</script> & \'quoted\'';
  const out = html`<p title="${body}">${body}${html`<b>${'<i>'}</b>`}${[body, 1]}</p>`.text;
  assert.equal(out, '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;<b>&lt;i&gt;</b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;1</p>');
  assert.equal(query({ q: 'a&b=<c>', empty: '', none: undefined }), '?q=a%26b%3D%3Cc%3E');
});

/** Revocations kept in memory: the unit test of the cookie itself; the MongoDB store is tested in test/integration/console-session.test.ts. */
const memory = (): SessionRevocations => {
  const ids = new Set<string>();
  return { revoke: async (id) => void ids.add(id), isRevoked: async (id) => ids.has(id) };
};

test('a session cookie is accepted until it expires, and only with the token that signed it', async () => {
  const sessions = createSessions('the-admin-token-0123456789', memory());
  const t0 = new Date('2026-12-01T10:00:00Z');
  const cookie = sessions.issue(t0);
  const session = await sessions.verify(cookie, new Date(t0.getTime() + SESSION_MS - 1));
  assert.ok(session, 'valid just before it expires');
  assert.equal(await sessions.verify(cookie, new Date(t0.getTime() + SESSION_MS)), undefined, 'expired');
  assert.equal(await createSessions('another-admin-token-012345', memory()).verify(cookie, t0), undefined, 'a changed token ends every session');
  const [expires, nonce, sig] = cookie.split('.');
  assert.equal(await sessions.verify(`${Number(expires) + 3_600_000}.${nonce}.${sig}`, t0), undefined, 'a lengthened expiry breaks the signature');
  assert.equal(await sessions.verify(undefined, t0), undefined);
  assert.equal(await sessions.verify('garbage', t0), undefined);

  assert.equal(sessions.csrfMatches(cookie, session.csrf), true);
  assert.equal(sessions.csrfMatches(cookie, undefined), false);
  assert.equal(sessions.csrfMatches(sessions.issue(t0), session.csrf), false, 'a CSRF token belongs to one session');
  assert.equal(sessions.tokenMatches('the-admin-token-0123456789'), true);
  assert.equal(sessions.tokenMatches('the-admin-token-012345678'), false);
});
