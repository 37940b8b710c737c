// `npm run build`'s last step: bundles the compiled workflow code once, into dist/workflow-bundles/,
// so the compiled worker (the Dockerfile's) starts without bundling. Run from dist/ after tsc.
import { DefaultLogger, bundleWorkflowCode } from '@temporalio/worker';
import { BUILD_BUNDLE_DIR, bundleKey, bundleOptions, writeBundle } from './workflow-bundle';

async function main() {
  // Both: the worker runs the traced one when tracing is on (lib/tracing.ts).
  for (const traced of [false, true]) {
    const bundle = await bundleWorkflowCode({ ...bundleOptions(traced), logger: new DefaultLogger('WARN') });
    console.log(`workflow bundle${traced ? ' (traced)' : ''}: ${writeBundle(BUILD_BUNDLE_DIR, bundleKey(undefined, traced), bundle)}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
