import { describe, expect, it } from 'vitest';
import { awsKeyPairFromIni } from './aws-ini.js';
import { parseAzureKeyFile } from './azure-json.js';
import { parseGcsKeyFile } from './gcs-json.js';

describe('AWS credentials INI (S3 family key_file)', () => {
  const ini = `# medusa key file
[default]
aws_access_key_id = AKIADEFAULT
aws_secret_access_key = secretdefault
aws_session_token = dropped

[profile backup]
aws_access_key_id=AKIABACKUP
aws_secret_access_key=secret/backup+x=
`;

  it('reads the default profile and named profiles (api_profile)', () => {
    expect(awsKeyPairFromIni(ini)).toEqual({ accessKeyId: 'AKIADEFAULT', secretAccessKey: 'secretdefault' });
    expect(awsKeyPairFromIni(ini, 'backup')).toEqual({
      accessKeyId: 'AKIABACKUP',
      secretAccessKey: 'secret/backup+x=',
    });
  });

  it('says which profile is missing or incomplete', () => {
    expect(() => awsKeyPairFromIni(ini, 'prod')).toThrow(/no profile 'prod'.*default, backup/);
    expect(() => awsKeyPairFromIni('[default]\naws_access_key_id = x\n')).toThrow(/aws_secret_access_key/);
  });
});

describe('Azure key file', () => {
  it('reads storage_account and key', () => {
    expect(parseAzureKeyFile('{"storage_account": "acct", "key": "a2V5"}')).toEqual({
      storageAccount: 'acct',
      key: 'a2V5',
    });
    expect(() => parseAzureKeyFile('{"account": "acct"}')).toThrow(/storage_account/);
    expect(() => parseAzureKeyFile('nope')).toThrow(/not valid JSON/);
  });
});

describe('GCS service-account key file', () => {
  it('requires a service account with key and email', () => {
    const key = {
      type: 'service_account',
      project_id: 'p',
      client_email: 'medusa@p.iam.gserviceaccount.com',
      private_key: '-----BEGIN PRIVATE KEY-----\n...',
    };
    expect(parseGcsKeyFile(JSON.stringify(key)).client_email).toBe(key.client_email);
    expect(() => parseGcsKeyFile(JSON.stringify({ ...key, private_key: undefined }))).toThrow(/private_key/);
    expect(() => parseGcsKeyFile(JSON.stringify({ ...key, type: 'authorized_user' }))).toThrow(
      /service_account/,
    );
  });
});
