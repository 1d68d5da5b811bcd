/** The one-line message a config text is refused with (it must be a ConfigError). */
import { expect } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/index.js';

export function configError(text: string): string {
  try {
    parseConfig(text, 'audit.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}
