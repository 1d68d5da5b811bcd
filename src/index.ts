/**
 * The public API of ecs-audit for rule authors (`import { defineRule, z } from 'ecs-audit'`).
 *
 * A rule is one file whose default export is `defineRule({ meta, evaluate })`:
 * metadata (id, title, severity, resource types, rationale, remediation,
 * references, options with defaults, compliance mappings) and a pure generator
 * over the inventory snapshot. The built-in rules under `rules/` are written
 * against exactly this API and are the examples. The rule tester lives in
 * `ecs-audit/testing` (it needs vitest).
 */
export { z } from 'zod';
export type {
  ResourceRef,
  ResourceType,
  Rule,
  RuleContext,
  RuleFinding,
  RuleMeta,
  Severity,
} from './engine/types.js';
export { defineRule, RESOURCE_TYPES, SEVERITIES } from './engine/types.js';
export type {
  AccessKey,
  Disk,
  Instance,
  Inventory,
  Invocation,
  KeyPair,
  NetworkInterface,
  PasswordPolicy,
  PortRangeList,
  PrefixList,
  RamGroup,
  RamPolicy,
  RamRole,
  RamUser,
  SecurityGroup,
  SecurityGroupRule,
  Trail,
  TrailEvent,
} from './inventory/schema.js';
export { VERSION } from './version.js';
