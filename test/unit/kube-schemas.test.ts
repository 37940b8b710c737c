// The offline Kubernetes schemas (devstack/kube-schemas.ts): named as kubeconform looks them up,
// closed to unknown fields, and reading quantities and int-or-string the way the API does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crdSchemas, kubernetesSchemas, schemaFileName, strict } from '../../devstack/kube-schemas';

test('file names follow kubeconform: kind, first part of the group, version', () => {
  assert.equal(schemaFileName({ group: '', version: 'v1', kind: 'Service' }), 'service-v1.json');
  assert.equal(schemaFileName({ group: 'apps', version: 'v1', kind: 'Deployment' }), 'deployment-apps-v1.json');
  assert.equal(schemaFileName({ group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy' }), 'networkpolicy-networking-v1.json');
  assert.equal(schemaFileName({ group: 'keda.sh', version: 'v1alpha1', kind: 'ScaledObject' }), 'scaledobject-keda-v1alpha1.json');
});

test('objects that list properties are closed; optional ones may be null; maps stay open', () => {
  const s = strict({ type: 'object', required: ['name'], properties: { name: { type: 'string', description: 'dropped' }, labels: { type: 'object', additionalProperties: { type: 'string' } } } });
  assert.deepEqual(s, { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string' }, labels: { type: ['object', 'null'], additionalProperties: { type: 'string' } } } });
  assert.deepEqual(strict({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { a: { type: 'string' } } }).additionalProperties, undefined);
  assert.deepEqual(strict({ 'x-kubernetes-int-or-string': true, type: 'string' } as never), { oneOf: [{ type: 'string' }, { type: 'integer' }] });
});

test('each kind gets a standalone schema with the definitions it uses, quantities as strings or numbers', () => {
  const definitions = {
    'io.k8s.api.x.v1.Thing': { 'x-kubernetes-group-version-kind': [{ group: 'x.example.com', version: 'v1', kind: 'Thing' }], type: 'object', properties: { size: { $ref: '#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity' } } },
    'io.k8s.apimachinery.pkg.api.resource.Quantity': { type: 'string' },
    'io.k8s.api.x.v1.Unused': { type: 'object' },
  };
  const [[file, schema]] = [...kubernetesSchemas(definitions)] as [[string, { definitions: Record<string, unknown> }]];
  assert.equal(file, 'thing-x-v1.json');
  assert.deepEqual(Object.keys(schema.definitions), ['io.k8s.apimachinery.pkg.api.resource.Quantity']);
  assert.deepEqual(schema.definitions['io.k8s.apimachinery.pkg.api.resource.Quantity'], { oneOf: [{ type: 'string' }, { type: 'number' }] });
});

test('a CRD gives one schema per version', () => {
  const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
spec:
  group: keda.sh
  names: { kind: ScaledObject }
  versions:
    - name: v1alpha1
      schema:
        openAPIV3Schema: { type: object, properties: { spec: { type: object, properties: { minReplicaCount: { type: integer } } } } }
`;
  const [[file, schema]] = [...crdSchemas(crd)] as [[string, { properties: { spec: { additionalProperties: boolean } } }]];
  assert.equal(file, 'scaledobject-keda-v1alpha1.json');
  assert.equal(schema.properties.spec.additionalProperties, false);
});
