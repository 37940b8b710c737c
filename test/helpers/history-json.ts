// Reads JSON history files (as `temporal workflow show --output json` writes them) into History
// objects for replay. @temporalio/common's historyFromJSON fails when npm installs several copies
// of protobufjs ("type must be a Type"), so this uses the copy that @temporalio/proto itself loads.
import { createRequire } from 'node:module';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

const fromProto = createRequire(require.resolve('@temporalio/proto'));
const { fromJson } = fromProto('protobufjs/ext/protojson') as { fromJson: (type: unknown, json: unknown, options: object) => unknown };
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType('temporal.api.history.v1.History');

export function historyFromJson(json: unknown): proto.temporal.api.history.v1.IHistory {
  return fromJson(historyType, json, { ignoreUnknownFields: true }) as proto.temporal.api.history.v1.IHistory;
}
