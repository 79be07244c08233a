// The `<keyspace>.rows (id int, value text)` table the agent's integration tests back up and restore.
import type { Client, QueryOptions } from 'cassandra-driver';

/** Inserts ids `from` to `to - 1`, one prepared INSERT each; the value is `v<id>` unless given. */
export async function insertRows(
  client: Client,
  keyspace: string,
  from: number,
  to: number,
  options: { value?: (id: number) => string; query?: QueryOptions } = {},
): Promise<void> {
  const value = options.value ?? ((id: number) => `v${id}`);
  for (let id = from; id < to; id++) {
    await client.execute(`INSERT INTO ${keyspace}.rows (id, value) VALUES (?, ?)`, [id, value(id)], {
      prepare: true,
      ...options.query,
    });
  }
}

/** The ids in the table, ascending. */
export async function rowIds(client: Client, keyspace: string, query?: QueryOptions): Promise<number[]> {
  const result = await client.execute(`SELECT id FROM ${keyspace}.rows`, [], query);
  return result.rows.map((row) => row.id as number).sort((a, b) => a - b);
}

/** The ids `from` to `to - 1`. */
export const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from }, (_, i) => from + i);
