/**
 * Real PostgreSQL with pgvector for tests: PGlite (PostgreSQL 18 in WASM) with its pgvector
 * extension, served over the wire protocol by pglite-socket on a loopback port chosen by the OS,
 * so the production `pg` client talks to it as to any server. Stopped and restarted by tests.
 */
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface PostgresServer {
  readonly url: string;
  /** Stops listening (and drops connections); the database is kept for start(). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startPostgres(): Promise<PostgresServer> {
  const db = await PGlite.create({ extensions: { vector } });
  const listen = async (port: number): Promise<PGLiteSocketServer> => {
    const s = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 8 });
    await s.start();
    return s;
  };
  let server: PGLiteSocketServer | undefined = await listen(0);
  const port = Number(server.getServerConn().split(':').pop());
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await server?.stop();
      server = undefined;
    },
    async start() {
      server ??= await listen(port);
    },
    async close() {
      await server?.stop();
      server = undefined;
      await db.close();
    },
  };
}
