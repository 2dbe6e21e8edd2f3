/**
 * Names in a federation of MCP servers: tools and prompts are shown as `<server>__<name>` (tool
 * names allow only [a-zA-Z0-9._-], so `__` is the separator, as Envoy AI Gateway chooses), and
 * resource URIs as `<server>+<uri>`: the server name is put in front of the URI's scheme, which
 * keeps it a valid URI (a scheme may hold letters, digits, "+", "-" and ".") and is reversed by
 * cutting at the first "+" (server names hold no "+"). Plain data in and out.
 */

export const NAME_SEPARATOR = '__';
export const URI_SEPARATOR = '+';
/** Server names: a URI scheme's first character, then lower-case letters, digits and "-". */
export const SERVER_NAME = /^[a-z][a-z0-9-]{0,62}$/;
const TOOL_NAME = /^[a-zA-Z0-9._-]+$/;

export interface FederatedName {
  readonly server: string;
  /** The name (or URI) as the server knows it. */
  readonly name: string;
}

/** How a federation shows names: prefixed, or (one server only) as the server says them. */
export class FederationNames {
  /** `servers` in config order; `prefix` false needs exactly one server. */
  constructor(
    private readonly servers: readonly string[],
    readonly prefix: boolean,
  ) {
    if (!prefix && servers.length !== 1) throw new Error('names can be left unprefixed only with one server');
  }

  /** The client-facing tool or prompt name. */
  show(server: string, name: string): string {
    return this.prefix ? `${server}${NAME_SEPARATOR}${name}` : name;
  }

  /** The server and its own name for a client-facing tool or prompt name; undefined: no such server. */
  resolve(shown: string): FederatedName | undefined {
    if (!this.prefix) return { server: this.servers[0]!, name: shown };
    const at = shown.indexOf(NAME_SEPARATOR);
    if (at <= 0) return undefined;
    const server = shown.slice(0, at);
    const name = shown.slice(at + NAME_SEPARATOR.length);
    return this.servers.includes(server) && name !== '' ? { server, name } : undefined;
  }

  /** The client-facing URI (or URI template). */
  showUri(server: string, uri: string): string {
    return this.prefix ? `${server}${URI_SEPARATOR}${uri}` : uri;
  }

  resolveUri(shown: string): FederatedName | undefined {
    if (!this.prefix) return { server: this.servers[0]!, name: shown };
    const at = shown.indexOf(URI_SEPARATOR);
    if (at <= 0) return undefined;
    const server = shown.slice(0, at);
    const name = shown.slice(at + URI_SEPARATOR.length);
    return this.servers.includes(server) && name !== '' ? { server, name } : undefined;
  }

  /** A prefixed tool name must still be a valid tool name (a server may list one that is not). */
  static validToolName(name: string): boolean {
    return name.length <= 128 && TOOL_NAME.test(name);
  }
}
