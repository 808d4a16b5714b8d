/**
 * How log lines are written: JSON, one object a line, for whatever collects
 * them in production; or pretty (coloured, one readable line each) for a
 * person at a terminal. LOG_FORMAT picks; by default the terminal decides:
 * stdout a TTY means someone is reading it.
 */
export type LogFormat = 'json' | 'pretty';
export type LogFormatSetting = LogFormat | 'auto';

export function parseLogFormat(raw: string | undefined): LogFormatSetting {
  const value = raw === undefined || raw === '' ? 'auto' : raw;
  if (value !== 'json' && value !== 'pretty' && value !== 'auto') throw new Error(`LOG_FORMAT must be json, pretty or auto, got ${raw}`);
  return value;
}

export function chooseLogFormat(setting: LogFormatSetting, stdoutIsTTY: boolean): LogFormat {
  if (setting !== 'auto') return setting;
  return stdoutIsTTY ? 'pretty' : 'json';
}
