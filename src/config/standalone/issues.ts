/** Config problems, with the path of the YAML node they are about. */

export type PathSegment = string | number;

export interface ConfigIssue {
  /** Dotted path into the file, e.g. routes[1].models.fast.backend; '' for the file as a whole. */
  readonly path: string;
  readonly message: string;
  /** 1-based position of the node in the file, when known. */
  readonly line?: number;
  readonly column?: number;
}

/** An issue before it is located in the file. */
export interface RawIssue {
  readonly segments: readonly PathSegment[];
  readonly message: string;
}

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (PLAIN_KEY.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** "routes[1].backend (line 12, column 14): unknown backend …" */
export function formatIssue(issue: ConfigIssue): string {
  const where =
    issue.line === undefined
      ? ''
      : ` (line ${issue.line}${issue.column === undefined ? '' : `, column ${issue.column}`})`;
  const subject = issue.path === '' ? (where === '' ? '' : where.slice(1)) : issue.path + where;
  return subject === '' ? issue.message : `${subject}: ${issue.message}`;
}

/** Collects issues during one load. */
export class IssueCollector {
  readonly issues: RawIssue[] = [];
  add(segments: readonly PathSegment[], message: string): void {
    this.issues.push({ segments: [...segments], message });
  }
  get count(): number {
    return this.issues.length;
  }
}

/** True if `prefix` equals `path` or is an ancestor of it. */
export function isPrefix(prefix: readonly PathSegment[], path: readonly PathSegment[]): boolean {
  if (prefix.length > path.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== path[i]) return false;
  return true;
}
