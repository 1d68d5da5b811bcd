/**
 * The network rules' metadata: complete, valid for the registry, matching the
 * catalogue of shared/spec/rules.md (ids, severities, resources), options with
 * defaults, and references that are Alibaba Cloud documentation pages.
 */
import { describe, expect, it } from 'vitest';
import { validateRule } from '../../src/engine/meta.js';
import type { Rule } from '../../src/engine/types.js';
import instanceAdmin from './instance-admin-port-exposed.js';
import instancePrivileged from './instance-exposed-with-privileged-role.js';
import instanceUnused from './instance-public-address-unused.js';
import sgAdmin from './sg-admin-port-open-to-internet.js';
import sgAllPorts from './sg-all-ports-open-to-internet.js';
import sgHighRisk from './sg-high-risk-port-open-to-internet.js';

const CATALOGUE: Record<string, { rule: Rule; severity: string; resource: string }> = {
  'sg-admin-port-open-to-internet': {
    rule: sgAdmin as Rule,
    severity: 'critical',
    resource: 'security-group',
  },
  'sg-all-ports-open-to-internet': {
    rule: sgAllPorts as Rule,
    severity: 'critical',
    resource: 'security-group',
  },
  'sg-high-risk-port-open-to-internet': {
    rule: sgHighRisk as Rule,
    severity: 'high',
    resource: 'security-group',
  },
  'instance-admin-port-exposed': {
    rule: instanceAdmin as Rule,
    severity: 'critical',
    resource: 'instance',
  },
  'instance-exposed-with-privileged-role': {
    rule: instancePrivileged as Rule,
    severity: 'critical',
    resource: 'instance',
  },
  'instance-public-address-unused': {
    rule: instanceUnused as Rule,
    severity: 'low',
    resource: 'instance',
  },
};

const ALIBABA_DOC =
  /^https:\/\/www\.alibabacloud\.com\/help\/(?:en\/)?(?:doc-detail\/\d+\.htm|(?:ecs|vpc|nat-gateway|ram)\/(?:user-guide|developer-reference)\/[a-z0-9-]+)$/;

describe('network rule metadata', () => {
  for (const [id, { rule, severity, resource }] of Object.entries(CATALOGUE)) {
    describe(id, () => {
      it('has the id, severity and resource type of the catalogue', () => {
        expect(rule.meta.id).toBe(id);
        expect(rule.meta.severity).toBe(severity);
        expect(rule.meta.resourceTypes).toEqual([resource]);
      });

      it('passes the registry validation, with every option defaulted', () => {
        expect(() => validateRule(rule, id)).not.toThrow();
        expect(() => rule.meta.options.parse({})).not.toThrow();
      });

      it('has a title, a rationale and a remediation a reader can act on', () => {
        expect(rule.meta.title.length).toBeGreaterThan(10);
        expect(rule.meta.rationale.length).toBeGreaterThan(100);
        expect(rule.meta.remediation).toMatch(/aliyun ecs [A-Z][A-Za-z]+/); // a CLI command
        expect(rule.meta.remediation).toMatch(/console/i);
      });

      it('references Alibaba Cloud documentation only, without duplicates', () => {
        const refs = rule.meta.references;
        expect(refs.length).toBeGreaterThanOrEqual(3);
        for (const r of refs) expect(r).toMatch(ALIBABA_DOC);
        expect(new Set(refs).size).toBe(refs.length);
        // the security-group rule semantics and the managed-group page back every network rule
        expect(refs).toContain(
          'https://www.alibabacloud.com/help/en/ecs/user-guide/security-group-rules',
        );
        expect(refs).toContain(
          'https://www.alibabacloud.com/help/en/ecs/user-guide/managed-security-groups',
        );
      });
    });
  }

  it('defaults follow the catalogue', () => {
    expect(sgAdmin.meta.options.parse({})).toEqual({ tcpPorts: [22, 3389] });
    expect(instanceAdmin.meta.options.parse({})).toEqual({ tcpPorts: [22, 3389] });
    expect(sgHighRisk.meta.options.parse({})).toEqual({
      tcpPorts: [
        20, 21, 23, 25, 110, 135, 139, 143, 445, 1433, 1434, 1521, 2375, 2379, 3306, 5432, 5900,
        5984, 6379, 7001, 8080, 9200, 9300, 11211, 27017, 50070,
      ],
      udpPorts: [53, 137, 138, 161, 11211],
    });
  });
});
