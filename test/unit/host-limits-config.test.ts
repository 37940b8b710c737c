// HOOKFLOW_HTTP_HOST_LIMITS: parsed into calls per second per host, or refused with what to write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../lib/errors';
import { hostLimits } from '../../lib/config';

test('host limits: hosts and *.domains with calls per second, hosts lower-cased; unset is none', () => {
  assert.deepEqual(hostLimits({ L: ' API.Shopify.com=2, *.myshopify.com=2,hooks.slack.com=0.5 ' }, 'L'), { 'api.shopify.com': 2, '*.myshopify.com': 2, 'hooks.slack.com': 0.5 });
  assert.deepEqual(hostLimits({}, 'L'), {});
});

test('host limits: a part that is not host=positive number is refused, naming the variable and the part', () => {
  for (const bad of ['api.shopify.com', 'api.shopify.com=0', 'api.shopify.com=-1', 'https://api.shopify.com=2', 'a=2=3']) {
    assert.throws(() => hostLimits({ L: bad }, 'L'), (err: Error) => err instanceof ConfigError && err.message.includes('L must list host=calls-per-second') && err.message.includes(`"${bad}"`), bad);
  }
});
