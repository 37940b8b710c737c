// docker-compose.yml cannot run here (no Docker engine), so what it must keep is checked on its
// text: images at pinned versions, and nothing of Temporal (gRPC, UI), the ingress's admin
// listener or the worker's ops port published beyond the host's loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../helpers/paths';

type Service = { image?: string; build?: unknown; ports?: string[]; environment?: Record<string, string> };
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };

/** What may face the network: the public webhook listener and the TLS proxy. */
const PUBLIC: Record<string, string[]> = { ingress: ['3000'], 'tls-proxy': ['80', '443'] };

test('every image is pinned to a version', () => {
  for (const [name, svc] of Object.entries(compose.services)) {
    if (svc.build) continue; // hookflow's own image, built from the Dockerfile
    assert.match(svc.image ?? '', /^[a-z0-9./-]+:\d+\.\d+[\w.-]*$/, `${name}: ${svc.image}`);
  }
});

test('only the public listener and the proxy are published beyond loopback', () => {
  const published: string[] = [];
  for (const [name, svc] of Object.entries(compose.services)) {
    for (const mapping of svc.ports ?? []) {
      const parts = String(mapping).split(':');
      const containerPort = parts.at(-1)!;
      published.push(`${name}:${containerPort}`);
      if (parts.length === 3 && parts[0] === '127.0.0.1') continue;
      assert.ok(PUBLIC[name]?.includes(containerPort), `${name} publishes ${mapping} on every interface`);
    }
  }
  // The ones that matter are published at all (on loopback), so the check above saw them.
  for (const expected of ['temporal:7233', 'temporal-ui:8080', `ingress:${compose.services.ingress!.environment!.ADMIN_PORT}`]) assert.ok(published.includes(expected), expected);
  assert.ok(!published.some((p) => p.startsWith('worker:')), 'the worker publishes nothing');
});
