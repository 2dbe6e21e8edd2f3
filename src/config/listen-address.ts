/** Where a server listens: the forms kgateway's LISTEN_ADDR takes. */
export type ListenAddress =
  | { readonly kind: 'abstract'; readonly name: string }
  | { readonly kind: 'unix'; readonly path: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number };

export function parseListenAddress(raw: string): ListenAddress {
  const value = raw.trim();
  if (value.startsWith('unix-abstract:')) {
    const name = value.slice('unix-abstract:'.length);
    if (!name) throw new Error(`empty abstract socket name in "${raw}"`);
    return { kind: 'abstract', name };
  }
  if (value.startsWith('unix:')) {
    // unix:///abs/path and unix://rel-or-abs/path are both accepted (docs/reference/decisions.md).
    const path = value.replace(/^unix:(\/\/)?/, '');
    if (!path) throw new Error(`empty unix socket path in "${raw}"`);
    return { kind: 'unix', path };
  }
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(value);
  if (!m)
    throw new Error(
      `cannot parse listen address "${raw}" (want unix-abstract:NAME, unix:///path or host:port)`,
    );
  const port = Number(m[2]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad port in "${raw}"`);
  return { kind: 'tcp', host: m[1] || '0.0.0.0', port };
}

export function formatListenAddress(a: ListenAddress): string {
  switch (a.kind) {
    case 'abstract':
      return `unix-abstract:${a.name}`;
    case 'unix':
      return `unix://${a.path}`;
    case 'tcp':
      return `${a.host}:${a.port}`;
  }
}
