/** State shared by the checks of one load. */
import type { IssueCollector } from './issues.js';

export interface LoadContext {
  readonly env: NodeJS.ProcessEnv;
  /** Relative secret file paths resolve against this (the config file's directory). */
  readonly baseDir: string;
  readonly issues: IssueCollector;
  /** Secret file path → raw content, for the source hash and the watcher. */
  readonly secretFiles: Map<string, string>;
  /** placeholder: secrets are not read (see LoadTextOptions.secrets). */
  readonly secrets: 'resolve' | 'placeholder';
}
