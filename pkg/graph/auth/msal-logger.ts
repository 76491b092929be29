import type { NodeSystemOptions } from '@azure/msal-node';
import { LogLevel } from './msal.ts';
import type { GraphLogger } from '../logger.ts';
import { sanitize } from '../sanitize.ts';

/**
 * msal-node logger options that forward warnings and errors to the tenant client's logger, sanitised, with PII
 * logging off (msal would otherwise include user names and token fragments).
 */
export function msalLoggerOptions(logger: GraphLogger, tenantId: string): NonNullable<NodeSystemOptions['loggerOptions']> {
  return {
    logLevel: LogLevel.Warning,
    piiLoggingEnabled: false,
    loggerCallback: (level: LogLevel, message: string, containsPii: boolean) => {
      if (containsPii) return;
      const line = { tenant: tenantId, msal: sanitize(message).slice(0, 500) };
      if (level === LogLevel.Error) logger.warn(line, 'msal-node reported an error');
      else logger.debug(line, 'msal-node reported a warning');
    },
  };
}
