/** proto-loader's own (de)serializers for ext_proc's Process method: the reference the server's codec is checked against. */
import type { MethodDefinition } from '@grpc/proto-loader';
import { loadPackageDefinition } from '../../src/server/proto.js';

export function protoLoaderProcessMethod(): MethodDefinition<object, object> {
  const service = loadPackageDefinition()['envoy.service.ext_proc.v3.ExternalProcessor'] as unknown as Record<
    string,
    MethodDefinition<object, object>
  >;
  return service['Process']!;
}
