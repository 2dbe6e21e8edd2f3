/**
 * Independent oracle: runs agentgateway's published translation goldens (crates/llm/src/tests), streams included,
 * through our adapters in process and says, per case, whether we agree with their snapshot, agree
 * but for a documented choice (scripts/oracle/equivalences.ts), differ, or do not serve the pair;
 * every upstream request we produce is also checked against our provider 400 rules.
 *
 *   ORACLE_DIR=<agentgateway checkout>/crates/llm/src/tests node dist/scripts/oracle.js
 *
 * ORACLE_VERBOSE=1 also prints the documented choices each agreeing case needed.
 */
import { listCases } from './oracle/snapshot.js';
import { runCase } from './oracle/run-case.js';
import type { CaseResult } from './oracle/run-case.js';
import type { Verdict } from './oracle/classify.js';
import { EQUIVALENCES } from './oracle/equivalences.js';

const COLUMNS: readonly Verdict[] = ['agree', 'agree-choice', 'differ', 'not-served', 'no-input'];

type Row = Record<Verdict, number> & { violations: number };

const emptyRow = (): Row => ({
  agree: 0,
  'agree-choice': 0,
  differ: 0,
  'not-served': 0,
  'no-input': 0,
  violations: 0,
});

function tally(results: readonly CaseResult[]): Map<string, Row> {
  const rows = new Map<string, Row>();
  for (const r of results) {
    const key = `${r.c.kind === 'request' ? 'req' : 'res'} ${r.pair}`;
    const row = rows.get(key) ?? emptyRow();
    row[r.verdict] += 1;
    if (r.violations.length > 0 && r.native !== true) row.violations += 1;
    rows.set(key, row);
  }
  return rows;
}

function printTable(rows: Map<string, Row>): Row {
  const total = emptyRow();
  const head = ['pair'.padEnd(44), ...COLUMNS.map((c) => c.padStart(12)), 'rule-viol'.padStart(10)];
  console.log(head.join(''));
  for (const [pair, row] of [...rows].sort(([a], [b]) => a.localeCompare(b))) {
    console.log(
      [
        pair.padEnd(44),
        ...COLUMNS.map((c) => String(row[c]).padStart(12)),
        String(row.violations).padStart(10),
      ].join(''),
    );
    for (const c of COLUMNS) total[c] += row[c];
    total.violations += row.violations;
  }
  console.log(
    [
      'TOTAL'.padEnd(44),
      ...COLUMNS.map((c) => String(total[c]).padStart(12)),
      String(total.violations).padStart(10),
    ].join(''),
  );
  return total;
}

function printDetails(results: readonly CaseResult[], verbose: boolean): void {
  const show = (title: string, list: readonly CaseResult[], line: (r: CaseResult) => string): void => {
    if (list.length === 0) return;
    console.log(`\n${title} (${list.length}):`);
    for (const r of list)
      console.log(
        `  ${r.c.kind === 'request' ? 'requests' : 'response'}/${r.c.group}/${r.c.name}.${r.c.target}: ${line(r)}`,
      );
  };
  show(
    'Differences',
    results.filter((r) => r.verdict === 'differ'),
    (r) => r.detail,
  );
  show(
    'Provider rule violations',
    results.filter((r) => r.violations.length > 0),
    (r) => r.violations.join('; '),
  );
  if (verbose)
    show(
      'Agree with documented choices',
      results.filter((r) => r.verdict === 'agree-choice'),
      (r) => r.detail,
    );
}

function main(): void {
  const dir = process.env.ORACLE_DIR;
  if (!dir) {
    console.error('ORACLE_DIR=<agentgateway checkout>/crates/llm/src/tests is required');
    process.exit(2);
  }
  const results = listCases(dir).map(runCase);
  const total = printTable(tally(results));
  printDetails(results, process.env.ORACLE_VERBOSE === '1');
  const measured = total.agree + total['agree-choice'] + total.differ;
  console.log(
    `\n${total.agree + total['agree-choice']} of ${measured} measured cases agree (${total.agree} exactly, ${total['agree-choice']} with a documented choice); ${total.differ} differ; ${total['not-served']} not served; ${total['no-input']} without a runnable input; ${total.violations} with provider rule violations (of ${results.length} snapshots).`,
  );
  console.log('\nDocumented choices:');
  for (const e of EQUIVALENCES) console.log(`  ${e.name}: ${e.why}`);
}

main();
