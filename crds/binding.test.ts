import { describe, expect, it } from 'vitest';
import {
  bindingErrors,
  configurationAnnotation,
  prefixAnnotation,
  readBinding,
  resolvePrefix,
  type MedusaConfigurationSpec,
} from './index.js';

const withPrefix: MedusaConfigurationSpec = {
  storageProperties: {
    storageProvider: 's3',
    bucketName: 'b',
    prefix: 'shared',
    maxBackupAge: 0,
    maxBackupCount: 0,
    transferMaxBandwidth: '50MB/s',
    concurrentTransfers: 0,
    multiPartUploadThreshold: 104857600,
  },
  purgeBackups: true,
};
const withoutPrefix: MedusaConfigurationSpec = {
  ...withPrefix,
  storageProperties: { ...withPrefix.storageProperties! },
};
delete withoutPrefix.storageProperties?.prefix;

describe('binding annotations', () => {
  it('are the medusa.k8ssandra.io names the webhook and controller share', () => {
    expect(configurationAnnotation).toBe('medusa.k8ssandra.io/configuration');
    expect(prefixAnnotation).toBe('medusa.k8ssandra.io/prefix');
  });

  it('read as no binding when the configuration annotation is absent', () => {
    expect(readBinding(undefined)).toBeUndefined();
    expect(readBinding({ 'app.kubernetes.io/name': 'cassandra' })).toBeUndefined();
  });

  it('read the configuration and the optional prefix', () => {
    expect(readBinding({ [configurationAnnotation]: 'minio' })).toEqual({ configuration: 'minio' });
    expect(readBinding({ [configurationAnnotation]: 'minio', [prefixAnnotation]: 'prod/dc1' })).toEqual({
      configuration: 'minio',
      prefix: 'prod/dc1',
    });
  });
});

describe('resolvePrefix', () => {
  it('prefers the annotation, then the configuration, else nothing', () => {
    expect(resolvePrefix({ configuration: 'c', prefix: 'dc1' }, withPrefix)).toBe('dc1');
    expect(resolvePrefix({ configuration: 'c' }, withPrefix)).toBe('shared');
    expect(resolvePrefix({ configuration: 'c', prefix: '' }, withPrefix)).toBe('shared');
    expect(resolvePrefix({ configuration: 'c' }, withoutPrefix)).toBeUndefined();
  });
});

describe('bindingErrors', () => {
  it('accepts a well-formed binding', () => {
    expect(
      bindingErrors({ [configurationAnnotation]: 'minio', [prefixAnnotation]: 'prod/dc1' }, withoutPrefix),
    ).toEqual([]);
    expect(bindingErrors({ [configurationAnnotation]: 'minio' }, withPrefix)).toEqual([]);
    expect(bindingErrors({})).toEqual([]);
  });

  it('refuses a prefix without a configuration', () => {
    expect(bindingErrors({ [prefixAnnotation]: 'x' })).toEqual([
      { field: prefixAnnotation, message: expect.stringContaining(configurationAnnotation) },
    ]);
  });

  it('refuses a configuration name that cannot name an object', () => {
    const errors = bindingErrors({ [configurationAnnotation]: 'My_Config' });
    expect(errors.map((e) => e.field)).toEqual([configurationAnnotation]);
  });

  it.each(['', '/abs', 'trailing/', 'a/../b'])('refuses the prefix %j', (prefix) => {
    const errors = bindingErrors(
      { [configurationAnnotation]: 'minio', [prefixAnnotation]: prefix },
      withPrefix,
    );
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.field === prefixAnnotation)).toBe(true);
  });

  it('requires a prefix when the configuration has none, as k8ssandra requires with a medusaConfigurationRef', () => {
    expect(bindingErrors({ [configurationAnnotation]: 'minio' }, withoutPrefix)).toEqual([
      { field: prefixAnnotation, message: expect.stringContaining('must be set') },
    ]);
  });
});
