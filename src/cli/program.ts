/**
 * commander wiring: flags → typed options → command functions. No logic here;
 * every command returns its exit code (0, 1, 2, 3 as ../shared/spec/cli.md says)
 * and only bin/ecs-audit.js sets process.exitCode.
 */
import { Command, CommanderError, Option } from 'commander';
import { redactKnownSecrets } from '../util/redact.js';
import { VERSION } from '../version.js';
import { runCollect } from './commands/collect.js';
import { DEFAULT_SINCE, DEFAULT_TIMEOUT_MS } from './commands/common.js';
import { runMerge } from './commands/merge.js';
import { runPolicy } from './commands/policy.js';
import { runRulesExplain, runRulesList } from './commands/rules.js';
import { runScan } from './commands/scan.js';
import { EXIT, UsageError } from './errors.js';
import { type CliIo, oneLine } from './io.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** `--since` has no commander default: a config file's `since` applies only when it is not given */
function addCollectionOptions(cmd: Command): Command {
  return cmd
    .option('--regions <list>', 'regions to scan, comma-separated, or "all" (default: all)')
    .option(
      '--endpoint <url>',
      'send every API call to this URL (private endpoint, emulator); also ECS_AUDIT_ENDPOINT',
    )
    .option(
      '--since <duration>',
      `ActionTrail/Cloud Assistant look-back window (default: "${DEFAULT_SINCE}")`,
    )
    .option('--now <iso-time>', 'the clock rules measure ages against (default: now)')
    .option('--profile <name>', 'credentials profile, as the aliyun CLI names it')
    .option(
      '--timeout <ms>',
      `read timeout of each API call in milliseconds (default: ${DEFAULT_TIMEOUT_MS})`,
    )
    .option('--no-progress', 'no progress bar on stderr');
}

/** what a command that writes a report prints, to which files, and when it fails (scan, merge) */
function addReportOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--format <format>', 'what goes to stdout')
        .choices(['table', 'json', 'sarif', 'junit', 'markdown', 'html'])
        .default('table'),
    )
    .option('--report <format=file>', 'also write a report file; repeatable', collect, [])
    .option(
      '--fail-on <severity>',
      'exit 1 when an unsuppressed finding is at or above: critical|high|medium|low|info|none',
    );
}

function addColorOptions(cmd: Command): Command {
  return cmd
    .option('--color', 'force colour in the table')
    .option('--no-color', 'no colour in the table');
}

/** organization scans (../shared/spec/cli.md "Organization scans") */
function addOrganizationOptions(cmd: Command): Command {
  return cmd
    .option('--org', 'scan every member of the Resource Directory (Resource Manager ListAccounts)')
    .option(
      '--accounts <ids>',
      'only these member accounts (with --org), or these accounts through --member-role',
    )
    .option(
      '--member-role <name>',
      'the RAM role assumed in each member (default ResourceDirectoryAccountAccessRole)',
    )
    .option('--shard <k/n>', 'scan only the members at positions k modulo n of the sorted list')
    .option(
      '--member-concurrency <n>',
      'members scanned at the same time (default: 8 at once, then more while the heap has room, up to 64)',
    );
}

const HELP_FOOTER = `
Examples:
  ecs-audit scan                                     scan every region with the default credentials
  ecs-audit scan --regions cn-hangzhou --fail-on high --report sarif=ecs-audit.sarif
  ecs-audit scan --checks sg-admin-port-open-to-internet --severity critical,high
  ecs-audit collect -o snapshot.json && ecs-audit scan --snapshot snapshot.json
  ecs-audit rules explain sg-admin-port-open-to-internet --format json

Exit codes:
  0  scan complete, nothing at or above --fail-on
  1  at least one unsuppressed finding at or above --fail-on
  2  nothing was scanned: bad flag, config or snapshot, no credentials
  3  the scan finished but some data could not be read or judged (coverage gaps)
`;

export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('ecs-audit')
    .description('Audit the security posture of an Alibaba Cloud account around ECS (read-only).')
    .version(VERSION, '-V, --version')
    .showHelpAfterError(false)
    // options belong to the command they follow (`rules explain <id> --format json`)
    .enablePositionalOptions()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(`ecs-audit: ${oneLine(s.replace(/^error: /, '').trim())}\n`),
    })
    .exitOverride()
    .addHelpText('after', HELP_FOOTER);

  const scan = program
    .command('scan')
    .description('read the account, evaluate the rules, report')
    .option('--snapshot <file>', 'evaluate a snapshot written by `collect`; no API calls');
  addReportOptions(scan)
    .option('--fail-on-new', 'with --baseline: fail only on new findings')
    .option(
      '--baseline <report.json>',
      'mark findings new/unchanged against a previous JSON report',
    )
    .option(
      '--config <file>',
      'YAML config: regions, rule options, severity overrides, suppressions',
    )
    .option('--rules-dir <dir>', 'load extra rules from this directory; repeatable', collect, [])
    .option('--compliance <framework>', 'evaluate only the rules mapped to this framework (cis)')
    .option('--checks <ids>', 'run only these rules (comma-separated ids)')
    .option('--skip-checks <ids>', 'do not run these rules (comma-separated ids)')
    .option('--severity <list>', 'report only findings of these severities, e.g. critical,high');
  addOrganizationOptions(addCollectionOptions(addColorOptions(scan)))
    .addHelpText('after', HELP_FOOTER)
    .action(async (opts) => setExit(await runScan(opts, io)));

  addColorOptions(
    addReportOptions(
      program
        .command('merge')
        .description('merge JSON reports of shards or accounts into one report')
        .argument('<report.json...>', 'JSON reports written by scan'),
    ),
  ).action(async (files: string[], opts) => setExit(await runMerge(files, opts, io)));

  addOrganizationOptions(
    addCollectionOptions(
      program
        .command('collect')
        .description('read the account and write the inventory snapshot (no rules)')
        .requiredOption(
          '-o, --output <file>',
          'snapshot file to write ("-" for stdout); with --org/--accounts a directory',
        ),
    ),
  ).action(async (opts) => setExit(await runCollect(opts, io)));

  const rules = program
    .command('rules')
    .description("list the rules (id, severity, title; a custom rule's file)")
    .enablePositionalOptions()
    .addOption(
      new Option('--format <format>', 'output format (markdown: the rule reference page)')
        .choices(['table', 'json', 'markdown'])
        .default('table'),
    )
    .option('--rules-dir <dir>', 'also load rules from this directory; repeatable', collect, [])
    .action(async (opts) => setExit(await runRulesList(opts, io)));
  rules
    .command('explain <id>')
    .description('print one rule in full: rationale, remediation, references, options')
    .addOption(
      new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'),
    )
    .option('--rules-dir <dir>', 'also load rules from this directory; repeatable', collect, [])
    // --rules-dir may be given before or after `explain`: merge both
    .action(async (id: string, opts, cmd: Command) =>
      setExit(
        await runRulesExplain(
          id,
          {
            ...opts,
            // `rules --format json explain <id>` asks for JSON too
            format:
              cmd.getOptionValueSource('format') !== 'cli' && cmd.parent?.opts().format === 'json'
                ? 'json'
                : opts.format,
            rulesDir: [...(cmd.parent?.opts().rulesDir ?? []), ...opts.rulesDir],
          },
          io,
        ),
      ),
    );

  program
    .command('policy')
    .description('print the least-privilege read-only RAM policy a scan needs')
    .option(
      '--org',
      "an organization scan's policies: the caller's (management account) and the member role's",
    )
    .option('--member-role <name>', 'the member role the caller may assume (with --org)')
    .action(async (opts) => setExit(await runPolicy(io, opts)));

  return program;
}

/** Run the CLI; returns the exit code. Never throws. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let code: number = EXIT.OK;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT.USAGE;
    }
    // commander answers `help <unknown>` with the whole help on stderr and no reason
    const [first, asked] = argv;
    if (
      first === 'help' &&
      asked !== undefined &&
      !asked.startsWith('-') &&
      !program.commands.some((c) => c.name() === asked || c.aliases().includes(asked))
    ) {
      io.stderr.write(`ecs-audit: help: unknown command '${oneLine(asked)}'\n`);
      return EXIT.USAGE;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; every parse error was already printed as one line
      return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    // a message may quote an SDK's (a URL with the token): scrubbed of every secret a
    // redactor was made for in this run, as coverage messages are
    if (err instanceof UsageError) {
      io.stderr.write(`ecs-audit: ${oneLine(redactKnownSecrets(err.message))}\n`);
      return EXIT.USAGE;
    }
    // An unexpected failure: still one line, no stack trace (ECS_AUDIT_DEBUG=1 shows it).
    const e = err as Error;
    io.stderr.write(
      `ecs-audit: ${oneLine(redactKnownSecrets(`internal error: ${e?.name ?? 'Error'}: ${String(e?.message ?? e).split('\n')[0]}`))}\n`,
    );
    if (io.env['ECS_AUDIT_DEBUG'] === '1' && e?.stack) {
      io.stderr.write(`${redactKnownSecrets(e.stack)}\n`);
    }
    return EXIT.USAGE;
  }
}
