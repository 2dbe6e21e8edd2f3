// A strict parser for the YAML subset the compose file uses: block mappings and sequences, plain / single- /
// double-quoted scalars, flow sequences of scalars and `#` comments. Anything else (anchors, tags, multi-line
// scalars, flow mappings, tabs) throws, so the file cannot silently drift into something this test misreads.

export type Yaml = string | number | boolean | null | Yaml[] | { [key: string]: Yaml };

export interface Line {
  readonly no: number;
  readonly indent: number;
  readonly text: string;
}

export function stripComment(raw: string): string {
  let quote: string | undefined;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || raw[i - 1] === ' ')) return raw.slice(0, i);
  }
  return raw;
}

export function parseYamlSubset(text: string): Yaml {
  const lines: Line[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.includes('\t')) throw new Error(`line ${i + 1}: tab character`);
    const body = stripComment(raw).trimEnd();
    if (body.trim() === '' || body === '---') return;
    const indent = body.length - body.trimStart().length;
    lines.push({ no: i + 1, indent, text: body.trimStart() });
  });
  let pos = 0;
  const fail = (line: Line | undefined, msg: string): never => {
    throw new Error(`line ${line?.no ?? 'EOF'}: ${msg}`);
  };

  const scalar = (raw: string, line: Line): Yaml => {
    const s = raw.trim();
    if (s.startsWith('"')) {
      if (!/^"(?:[^"\\]|\\.)*"$/.test(s)) fail(line, `bad double-quoted scalar ${s}`);
      return JSON.parse(s) as string;
    }
    if (s.startsWith("'")) {
      if (!/^'(?:[^']|'')*'$/.test(s)) fail(line, `bad single-quoted scalar ${s}`);
      return s.slice(1, -1).replace(/''/g, "'");
    }
    if (s.startsWith('[')) {
      if (!s.endsWith(']')) fail(line, `unterminated flow sequence ${s}`);
      const inner = s.slice(1, -1).trim();
      if (inner === '') return [];
      const items: string[] = [];
      let cur = '';
      let quote: string | undefined;
      for (let i = 0; i < inner.length; i++) {
        const c = inner[i]!;
        if (quote) {
          cur += c;
          if (c === '\\' && quote === '"') cur += inner[++i] ?? '';
          else if (c === quote) quote = undefined;
        } else if (c === '"' || c === "'") {
          quote = c;
          cur += c;
        } else if (c === ',') {
          items.push(cur);
          cur = '';
        } else if (c === '[' || c === '{') fail(line, 'nested flow collections are not supported');
        else cur += c;
      }
      items.push(cur);
      return items.map((item) => scalar(item, line));
    }
    if (/^[{&*!|>%@`]/.test(s)) fail(line, `unsupported YAML syntax: ${s}`);
    if (/: |:$/.test(s)) fail(line, `ambiguous plain scalar (quote it): ${s}`);
    if (s === 'true') return true;
    if (s === 'false') return false;
    if (s === 'null' || s === '~') return null;
    if (/^-?\d+$/.test(s)) return Number(s);
    return s;
  };

  const KEY = /^([A-Za-z0-9_.\/-]+|"[^"]*"|'[^']*'):(?: (.*))?$/;

  const block = (indent: number): Yaml => {
    const line = lines[pos];
    if (!line || line.indent !== indent) return fail(line, `expected a block at indent ${indent}`);
    return line.text === '-' || line.text.startsWith('- ') ? sequence(indent) : mapping(indent);
  };

  const valueAfter = (rest: string | undefined, line: Line, indent: number): Yaml => {
    if (rest !== undefined && rest.trim() !== '') return scalar(rest, line);
    const next = lines[pos];
    if (next && next.indent > indent) return block(next.indent);
    if (next && next.indent === indent && (next.text === '-' || next.text.startsWith('- ')))
      return sequence(indent);
    return null;
  };

  const mapping = (indent: number): Yaml => {
    const out: { [key: string]: Yaml } = {};
    for (;;) {
      const line = lines[pos];
      if (!line || line.indent < indent) return out;
      if (line.indent > indent) fail(line, 'unexpected indentation');
      if (line.text.startsWith('- ') || line.text === '-') return out;
      const m = KEY.exec(line.text);
      if (!m) return fail(line, `expected "key: value", got ${line.text}`);
      const key = scalar(m[1]!, line);
      if (typeof key !== 'string' && typeof key !== 'number') return fail(line, 'bad key');
      if (Object.hasOwn(out, String(key))) fail(line, `duplicate key ${key}`);
      pos++;
      out[String(key)] = valueAfter(m[2], line, indent);
    }
  };

  const sequence = (indent: number): Yaml => {
    const out: Yaml[] = [];
    for (;;) {
      const line = lines[pos];
      if (!line || line.indent < indent) return out;
      if (line.indent > indent) fail(line, 'unexpected indentation');
      if (!(line.text === '-' || line.text.startsWith('- '))) return out;
      const rest = line.text.slice(1).trimStart();
      if (rest === '') {
        pos++;
        const next = lines[pos];
        out.push(next && next.indent > indent ? block(next.indent) : null);
      } else if (KEY.test(rest)) {
        // "- key: value" opens a mapping whose keys sit two columns in.
        lines[pos] = { no: line.no, indent: indent + 2, text: rest };
        out.push(mapping(indent + 2));
      } else {
        pos++;
        out.push(scalar(rest, line));
      }
    }
  };

  if (lines.length === 0) return null;
  const doc = block(lines[0]!.indent);
  if (pos !== lines.length) fail(lines[pos], 'trailing content');
  return doc;
}
