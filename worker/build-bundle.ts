// `npm run build`'s last step: bundles the compiled workflow code once, into dist/workflow-bundles/,
// so the compiled worker (the Dockerfile's) starts without bundling. Run from dist/ after tsc.
import { DefaultLogger, bundleWorkflowCode } from '@temporalio/worker';
import { FLOW_BUNDLE } from './create-worker';
import { BUILD_BUNDLE_DIR, bundleKey, writeBundle } from './workflow-bundle';

async function main() {
  const bundle = await bundleWorkflowCode({ ...FLOW_BUNDLE, logger: new DefaultLogger('WARN') });
  console.log(`workflow bundle: ${writeBundle(BUILD_BUNDLE_DIR, bundleKey(), bundle)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
