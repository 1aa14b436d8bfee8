// functions/rotate.ts, imported as Lambda imports it at a cold start.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { captureOutput } from './support/captured-output.ts';
import { testEnvironment } from './support/fake-config.ts';

async function coldStart(env: Record<string, string | undefined>) {
  vi.resetModules();
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  const output = captureOutput();
  try {
    await import('../functions/rotate.ts');
    return output.lines();
  } finally {
    output.restore();
  }
}

afterEach(() => vi.unstubAllEnvs());

describe('a cold start', () => {
  it('warns when running in Lambda without ROTATOR_TABLE, as the ledger is then per instance', async () => {
    const lines = await coldStart({
      ...testEnvironment('http://127.0.0.1:9'),
      AWS_LAMBDA_FUNCTION_NAME: 'rotate',
      ROTATOR_TABLE: undefined,
    });

    expect(lines).toEqual([
      expect.objectContaining({
        level: 'WARN',
        message: expect.stringContaining('ROTATOR_TABLE is not set'),
      }),
    ]);
  });

  it('says nothing when a table is configured', async () => {
    const lines = await coldStart({
      ...testEnvironment('http://127.0.0.1:9'),
      AWS_LAMBDA_FUNCTION_NAME: 'rotate',
      ROTATOR_TABLE: 'rotations',
    });

    expect(lines).toEqual([]);
  });

  it('logs every configuration problem once, naming no secret', async () => {
    const lines = await coldStart({
      ...testEnvironment('http://127.0.0.1:9'),
      ROTATOR_TABLE: 'x',
      TENCENTCLOUD_SECRET_KEY: undefined,
    });

    expect(lines).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        message: 'invalid configuration: every request will be refused',
        problems: [
          'TENCENTCLOUD_SECRET_KEY is not set',
          'ROTATOR_TABLE must be a DynamoDB table name: 3 to 255 letters, digits, _ . or -',
        ],
      }),
    ]);
  });
});
