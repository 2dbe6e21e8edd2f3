/**
 * How envoy/standalone/envoy.yaml is generated (`make envoy-configs` runs the same): the drift test
 * regenerates it with these arguments and compares.
 */
export const SHIPPED_STANDALONE_ARGS: readonly string[] = Object.freeze([
  '--config',
  'config/examples/standalone.yaml',
]);
