import { describe, expect, it } from 'vitest';
import { createLogger } from './log.js';

describe('logger', () => {
  it('writes JSON lines with component, level and fields, and never a secret', () => {
    const lines: string[] = [];
    const log = createLogger('agent', { level: 'info', write: (l) => lines.push(l) }).child({ pod: 'dc1-0' });
    log.debug('hidden');
    log.info('uploading', {
      bucket: 'b',
      credentials: { aws_secret_access_key: 'abc' },
      nested: { password: 'hunter2', keyspace: 'ks1' },
      bearerToken: 'abc.def',
      tokens: ['-9223372036854775808'],
    });
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]!);
    expect(record).toMatchObject({
      level: 'info',
      component: 'agent',
      msg: 'uploading',
      pod: 'dc1-0',
      bucket: 'b',
    });
    expect(record.nested.keyspace).toBe('ks1');
    expect(lines[0]).not.toContain('abc');
    expect(lines[0]).not.toContain('hunter2');
    expect(lines[0]).not.toContain('abc.def');
    // Cassandra's ring tokens are not secrets.
    expect(record.tokens).toEqual(['-9223372036854775808']);
  });
});
