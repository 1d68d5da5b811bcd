import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config/index.js';
import { configError } from '../helpers/config.js';

const bad = configError;

describe('config file', () => {
  it('reads every key of the spec example', () => {
    const c = parseConfig(
      [
        'regions: [cn-hangzhou, ap-southeast-1]',
        'failOn: high',
        'since: 30d',
        'rules:',
        '  ram-access-key-not-rotated: { maxAgeDays: 60 }',
        '  disk-not-encrypted: { enabled: false }',
        '  sg-high-risk-port-open-to-internet: { severity: critical, tcpPorts: [3306, 6379] }',
        'rulesDirs: [./audit-rules]',
        'suppressions:',
        '  - rule: sg-admin-port-open-to-internet',
        '    resource: sg-bastion-*',
        '    region: cn-hangzhou',
        '    reason: "bastion host, reviewed by SecOps (TICKET-123)"',
        '    expires: 2027-03-31',
      ].join('\n'),
      '/etc/ecs-audit/audit.yaml',
    );
    expect(c.regions).toEqual(['cn-hangzhou', 'ap-southeast-1']);
    expect(c.failOn).toBe('high');
    expect(c.since).toBe('30d');
    expect(c.rules['ram-access-key-not-rotated']).toEqual({ options: { maxAgeDays: 60 } });
    expect(c.rules['disk-not-encrypted']).toEqual({ enabled: false, options: {} });
    expect(c.rules['sg-high-risk-port-open-to-internet']).toEqual({
      severity: 'critical',
      options: { tcpPorts: [3306, 6379] },
    });
    expect(c.rulesDirs).toEqual(['/etc/ecs-audit/audit-rules']);
    expect(c.suppressions).toEqual([
      {
        rule: 'sg-admin-port-open-to-internet',
        resource: 'sg-bastion-*',
        region: 'cn-hangzhou',
        reason: 'bastion host, reviewed by SecOps (TICKET-123)',
        expires: '2027-03-31',
      },
    ]);
    expect(c.locate(['rules', 'ram-access-key-not-rotated', 'maxAgeDays'])).toBe(
      '/etc/ecs-audit/audit.yaml:5',
    );
  });

  it('an empty file is an empty config', () => {
    const c = parseConfig('# nothing yet\n', 'a.yaml');
    expect(c.rules).toEqual({});
    expect(c.suppressions).toEqual([]);
    expect(c.regions).toBeUndefined();
  });

  it.each([
    [
      'unknown top-level key',
      'regions: all\nfail_on: high\n',
      'audit.yaml:2: unknown key "fail_on"',
    ],
    [
      'unknown severity',
      'rules:\n  disk-not-encrypted:\n    severity: urgent\n',
      'audit.yaml:3: rules.disk-not-encrypted.severity: unknown severity',
    ],
    ['bad failOn', 'failOn: sometimes\n', 'audit.yaml:1: failOn: unknown severity'],
    [
      'suppression without reason',
      'suppressions:\n  - rule: x\n    resource: sg-1\n',
      'audit.yaml:2: suppressions.0.reason',
    ],
    [
      'suppression with a bad date',
      'suppressions:\n  - rule: x\n    reason: ok\n    expires: next week\n',
      'audit.yaml:4: suppressions.0.expires: expected a date YYYY-MM-DD',
    ],
    [
      'unknown suppression key',
      'suppressions:\n  - rule: x\n    reason: ok\n    until: 2027-01-01\n',
      'audit.yaml:4: suppressions.0.until: unknown key "until"',
    ],
    ['regions not a list', 'regions: 42\n', 'audit.yaml:1: regions'],
    [
      'a region that is not one',
      'regions: [Hangzhou]\n',
      'audit.yaml:1: regions.0: not a region id',
    ],
    ['broken YAML', 'regions: [cn-hangzhou\nfailOn: high\n', 'audit.yaml:'],
    ['duplicate keys', 'failOn: high\nfailOn: low\n', 'audit.yaml:2'],
    ['a list at the top', '- a\n- b\n', 'audit.yaml'],
  ])('%s → one line with file:line', (_name, text, expected) => {
    const message = bad(text);
    expect(message).toContain(expected);
    expect(message).not.toContain('\n');
  });

  it('does not let __proto__ keys pollute anything', () => {
    const message = bad('__proto__:\n  polluted: true\n');
    expect(message).toContain('unknown key "__proto__"');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('config file encodings', () => {
  // PowerShell 5's Out-File writes UTF-16LE with a byte order mark; YAML 1.2 readers take it
  it.each([
    ['UTF-8', Buffer.from('failOn: high\nregions: [cn-hangzhou]\n', 'utf8')],
    ['UTF-8 with BOM', Buffer.from('\ufefffailOn: high\nregions: [cn-hangzhou]\n', 'utf8')],
    ['UTF-16LE with BOM', Buffer.from('\ufefffailOn: high\nregions: [cn-hangzhou]\n', 'utf16le')],
    [
      'UTF-16BE with BOM',
      Buffer.from('\ufefffailOn: high\nregions: [cn-hangzhou]\n', 'utf16le').swap16(),
    ],
  ])('%s is read', async (_name, bytes) => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ecs-audit-config-')), 'c.yaml');
    writeFileSync(file, bytes);
    const config = await loadConfig(file);
    expect(config.failOn).toBe('high');
    expect(config.regions).toEqual(['cn-hangzhou']);
  });
});
