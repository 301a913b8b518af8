import { describe, expect, it } from 'vitest';
import { awsCliUri, parseEndpoint, parseS3Uri, tritonUri } from '../src/values/s3.ts';

describe('S3 locations Triton can load', () => {
  it('reads s3://bucket/path and resolves it against a custom endpoint, keeping the port', () => {
    const loc = parseS3Uri('s3://models/whisper/2024-11-02');
    expect(loc).toEqual({ ok: true, value: { bucket: 'models', prefix: 'whisper/2024-11-02' } });
    const endpoint = parseEndpoint('https://s3.ru-1.storage.example.com:443');
    expect(endpoint.ok).toBe(true);
    if (!loc.ok || !endpoint.ok) return;
    expect(tritonUri(loc.value, endpoint.value)).toBe('s3://https://s3.ru-1.storage.example.com:443/models/whisper/2024-11-02');
    expect(tritonUri(loc.value, undefined)).toBe('s3://models/whisper/2024-11-02');
    expect(awsCliUri(loc.value)).toBe('s3://models/whisper/2024-11-02/');
  });

  it('writes plain-HTTP endpoints without a scheme, as Triton expects', () => {
    const endpoint = parseEndpoint('http://minio.storage:9000');
    const loc = parseS3Uri('s3://models/x');
    if (!endpoint.ok || !loc.ok) throw new Error('expected valid');
    expect(tritonUri(loc.value, endpoint.value)).toBe('s3://minio.storage:9000/models/x');
  });

  it('accepts a full URI with endpoint and port', () => {
    expect(parseS3Uri('s3://https://s3.example.com:8443/models/a')).toEqual({
      ok: true,
      value: { endpoint: { scheme: 'https', host: 's3.example.com', port: 8443 }, bucket: 'models', prefix: 'a' },
    });
    expect(parseS3Uri('s3://s3.example.com:9000/models/a')).toMatchObject({ ok: true, value: { endpoint: { scheme: 'http', port: 9000 } } });
  });

  it.each([
    ['s3://https://s3.example.com/models/a', /without a port/, 's3://https://s3.example.com:443/models/a'],
    ['s3://Models/a', /not a valid bucket name/, 'bucket names are lowercase: models'],
    ['s3://models/a b', /not one Triton can load/, 'letters, digits'],
    ['s3://models//a', /\(empty\)/, 'single "/"'],
    ['s3://models/../etc', /"\.\."/, '"." and ".." are not allowed'],
    ['s3://', /no bucket/, 's3://bucket/path'],
    ['s3://ab/x', /not a valid bucket name/, '3-63 characters'],
    ['gs://models/a', /not an S3 URI/, 's3://bucket'],
  ])('rejects %s', (uri, problem, hint) => {
    const parsed = parseS3Uri(uri);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problem).toMatch(problem);
    expect(parsed.hint).toContain(hint);
  });

  it('asks for the port of an endpoint and suggests the default one', () => {
    expect(parseEndpoint('https://s3.example.com')).toMatchObject({ ok: false, hint: 'write https://s3.example.com:443' });
    expect(parseEndpoint('http://minio')).toMatchObject({ ok: false, hint: 'write http://minio:80' });
    expect(parseEndpoint('https://s3.example.com:70000')).toMatchObject({ ok: false });
  });
});
