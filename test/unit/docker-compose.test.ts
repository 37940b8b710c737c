// docker-compose.yml and the Dockerfile cannot run here (no Docker engine), so what they must keep
// is checked on their text: images at pinned versions, and nothing of Temporal (gRPC, UI), the
// ingress's admin listener or the worker's ops port published beyond the host's loopback; the
// image on a supported Node LTS release (not 20, end of life), with the folders the CLI and the
// outbound webhooks read (test/tools/image-smoke.ts runs such a folder on that Node release).
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

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };

test('the image runs an exact Node LTS release, the same in both stages, and package.json engines allows it', () => {
  const bases = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]!);
  assert.equal(bases.length, 2, 'a build stage and the runtime stage');
  assert.equal(new Set(bases).size, 1, `both stages on one base: ${bases.join(', ')}`);
  const m = /^node:(\d+)\.(\d+)\.(\d+)-bookworm-slim$/.exec(bases[0]!);
  assert.ok(m, `pinned to major.minor.patch: ${bases[0]}`);
  const major = Number(m[1]);
  assert.ok(major === 22 || major === 24, `Node 22 or 24 LTS, not ${major} (20 is end of life)`);
  assert.match(pkg.engines.node, new RegExp(`\\^${major}\\.${m[2]}\\.0`), `engines (${pkg.engines.node}) allows the image's Node`);
});

test('the image carries the folders the CLI and outbound webhooks read, and points its settings at them', () => {
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  for (const dir of ['flows', 'sources', 'schemas', 'samples']) assert.match(runtime, new RegExp(`^COPY ${dir} \\./${dir}$`, 'm'), dir);
  assert.match(runtime, /^RUN mkdir -p destinations$/m, 'destinations/ exists (empty: none ship)');
  for (const [name, dir] of [['FLOWS', 'flows'], ['SOURCES', 'sources'], ['SCHEMAS', 'schemas'], ['DESTINATIONS', 'destinations']]) {
    assert.match(runtime, new RegExp(`^ENV .*\\bHOOKFLOW_${name}_DIR=/app/${dir}\\b`, 'm'), `HOOKFLOW_${name}_DIR`);
  }
});
