/**
 * Progress on stderr while the account is read: a bar (cli-progress) when
 * stderr is a terminal, nothing otherwise, so logs and CI output stay clean.
 */
import cliProgress from 'cli-progress';
import type { CliIo } from './io.js';

export interface ProgressEvent {
  /** service being read: ecs, ram, ims, actiontrail, sts */
  service: string;
  region?: string | null;
  /** what is being read, e.g. `security groups` */
  phase: string;
  /** units of work finished and known so far (the collector grows `total` as it discovers work) */
  done?: number;
  total?: number;
}

export interface Progress {
  update(event: ProgressEvent): void;
  stop(): void;
}

export function createProgress(io: CliIo, enabled: boolean): Progress {
  if (!enabled || !io.stderr.isTTY || io.env['CI']) {
    return { update: () => {}, stop: () => {} };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream: io.stderr as NodeJS.WritableStream,
      format: ' {bar} {percentage}% | {value}/{total} | {what}',
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(e) {
      const what = `${e.service}${e.region ? ` ${e.region}` : ''}: ${e.phase}`.slice(0, 40);
      const total = Math.max(e.total ?? 1, 1);
      if (!started) {
        bar.start(total, e.done ?? 0, { what });
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(e.done ?? 0, { what });
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
