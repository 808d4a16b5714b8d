import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../../server/config.ts';
import { chooseLogFormat, parseLogFormat } from '../../server/log-format.ts';

describe('log format', () => {
  it('by default follows the terminal: pretty for a person at a TTY, JSON for whatever collects the lines', () => {
    expect(chooseLogFormat(parseLogFormat(undefined), true)).toBe('pretty');
    expect(chooseLogFormat(parseLogFormat(''), false)).toBe('json');
  });

  it('LOG_FORMAT overrides the terminal either way, and anything else is refused at start', () => {
    expect(chooseLogFormat(parseLogFormat('json'), true)).toBe('json');
    expect(chooseLogFormat(parseLogFormat('pretty'), false)).toBe('pretty');
    expect(() => parseLogFormat('text')).toThrow(/LOG_FORMAT must be json, pretty or auto/);
  });
});

describe('metrics settings', () => {
  it('listen on loopback port 9464 by default, with no token: /metrics is not on the public port', () => {
    expect(configFromEnv({}).metrics).toEqual({ host: '127.0.0.1', port: 9464, token: null });
    expect(configFromEnv({ METRICS_PORT: '', METRICS_TOKEN: '' }).metrics).toEqual({ host: '127.0.0.1', port: 9464, token: null });
  });

  it('METRICS_PORT=off turns the listener off; METRICS_HOST and METRICS_TOKEN are taken as given', () => {
    expect(configFromEnv({ METRICS_PORT: 'off', METRICS_HOST: '0.0.0.0', METRICS_TOKEN: 's3cret' }).metrics).toEqual({ host: '0.0.0.0', port: null, token: 's3cret' });
  });

  it('a port that is no port, or the public one, is refused at start', () => {
    expect(() => configFromEnv({ METRICS_PORT: 'yes' })).toThrow(/METRICS_PORT must be a port number or off/);
    expect(() => configFromEnv({ PORT: '8080', METRICS_PORT: '8080' })).toThrow(/METRICS_PORT must differ from PORT/);
  });
});
