/**
 * File-based CDS and RDS: the server writes Envoy's clusters and routes for the live config into
 * a directory the generated bootstrap points Envoy at (path_config_source with watched_directory).
 * Each file is written beside its final name and renamed over it, so Envoy, which reloads on a
 * move into the directory, never reads half a file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { RuntimeConfig } from '../standalone/types.js';
import { CLUSTER_TYPE, ROUTE_CONFIG_TYPE, clusters, routeConfig } from './resources.js';

export const CDS_FILE = 'cds.yaml';
export const RDS_FILE = 'rds.yaml';

type Obj = Record<string, unknown>;

/** What Envoy reads from the two files (DiscoveryResponse shape). */
export function xdsResources(config: RuntimeConfig): { cds: Obj; rds: Obj } {
  return {
    cds: { resources: clusters(config).map((c) => ({ '@type': CLUSTER_TYPE, ...c })) },
    rds: { resources: [{ '@type': ROUTE_CONFIG_TYPE, ...routeConfig(config) }] },
  };
}

function writeAtomically(dir: string, name: string, text: string): boolean {
  const target = path.join(dir, name);
  if (fs.existsSync(target) && fs.readFileSync(target, 'utf8') === text) return false;
  const tmp = path.join(dir, `.${name}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, target);
  return true;
}

/**
 * Writes the clusters first (a route must never name a cluster Envoy does not know yet), then
 * the routes. Returns the files that changed.
 */
export function writeXdsFiles(dir: string, config: RuntimeConfig): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const { cds, rds } = xdsResources(config);
  const changed: string[] = [];
  if (writeAtomically(dir, CDS_FILE, stringify(cds))) changed.push(CDS_FILE);
  if (writeAtomically(dir, RDS_FILE, stringify(rds))) changed.push(RDS_FILE);
  return changed;
}
