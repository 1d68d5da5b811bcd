/**
 * The config file's error, apart from its parser: a scan without `--config`
 * tells it from other errors without loading the YAML library.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
