// The ingress client's data converter. It writes exactly the bytes of the SDK's default JSON
// converter (workers and recorded histories see nothing new) with less work per start: Node's
// native UTF-8 encoding instead of the SDK's JavaScript one (written for the workflow sandbox),
// and a run input's flow definition, sent with every start of that flow, turned into JSON once
// per definition object (a reload replaces definitions, it never mutates them).
import {
  BinaryPayloadConverter, CompositePayloadConverter, JsonPayloadConverter, type LoadedDataConverter, METADATA_ENCODING_KEY, type Payload,
  type PayloadConverterWithEncoding, UndefinedPayloadConverter, defaultFailureConverter, encodingKeys, encodingTypes,
} from '@temporalio/common';

const OPEN_FLOW = Buffer.from('{"flow":');
const CLOSE = Buffer.from('}');

export class IngressJsonPayloadConverter implements PayloadConverterWithEncoding {
  readonly encodingType = encodingTypes.METADATA_ENCODING_JSON;
  private readonly decoder = new JsonPayloadConverter();
  /** '{"flow":<definition>' per definition object. */
  private readonly flowHeads = new WeakMap<object, Buffer>();

  toPayload(value: unknown): Payload | undefined {
    if (value === undefined) return undefined;
    let data: Buffer;
    try {
      data = this.json(value);
    } catch {
      return undefined; // as the default: not JSON-serialisable, left to the next converter
    }
    return { metadata: { [METADATA_ENCODING_KEY]: encodingKeys.METADATA_ENCODING_JSON }, data };
  }

  fromPayload<T>(content: Payload): T {
    return this.decoder.fromPayload(content);
  }

  private json(value: unknown): Buffer {
    const flow = flowFirst(value);
    if (!flow) return Buffer.from((JSON.stringify(value) as string | undefined) ?? ''); // a function: empty, as the SDK's encoder makes it
    let head = this.flowHeads.get(flow);
    if (!head) this.flowHeads.set(flow, (head = Buffer.concat([OPEN_FLOW, Buffer.from(JSON.stringify(flow))])));
    const { flow: _flow, ...rest } = value as { flow: object };
    const tail = JSON.stringify(rest); // "{…}", the other keys in their order
    return tail === '{}' ? Buffer.concat([head, CLOSE]) : Buffer.concat([head, Buffer.from(`,${tail.slice(1)}`)]);
  }
}

/** The flow definition of a plain object whose first key is `flow` (a run input), if it is one. */
function flowFirst(value: unknown): object | undefined {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return undefined;
  let first: string | undefined;
  for (const key in value) { first = key; break; }
  if (first !== 'flow') return undefined;
  const flow = (value as { flow: unknown }).flow;
  return typeof flow === 'object' && flow !== null && !('toJSON' in flow) ? flow : undefined;
}

/** The default converters in the default order, with the JSON one above. */
export function ingressDataConverter(): LoadedDataConverter {
  return {
    payloadConverter: new CompositePayloadConverter(new UndefinedPayloadConverter(), new BinaryPayloadConverter(), new IngressJsonPayloadConverter()),
    failureConverter: defaultFailureConverter,
    payloadCodecs: [],
  };
}
