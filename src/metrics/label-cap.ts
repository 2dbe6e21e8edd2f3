/**
 * Caps the distinct values one label may take, so a client sending bogus model names cannot
 * create unbounded series. Values past the cap are reported as "_other".
 */
export const OVERFLOW_LABEL = '_other';

export class LabelCap {
  private readonly seen = new Set<string>();
  constructor(private readonly max: number) {}

  value(v: string): string {
    if (this.seen.has(v)) return v;
    if (this.seen.size >= this.max) return OVERFLOW_LABEL;
    this.seen.add(v);
    return v;
  }
}
