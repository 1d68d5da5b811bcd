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
// attack paths: hops and their one-line rendering
export { formatPath, type PathHop, pathOf } from './analysis/attack-path.js';
// ---- analysis for rule authors: the same power the built-in rules use
// security-group exposure (all groups of an interface together, priorities and Drop)
export {
  allPortsOpen,
  describeCoverage,
  type Exposure,
  type ExposureIndex,
  exposureIndex,
  openPortsToInternet,
  type PortProtocol,
  type PortSegment,
  portLabel,
  type RuleRef,
  segmentAt,
  segmentEvidence,
} from './analysis/exposure.js';
export {
  groupEvidence,
  groupLabel,
  groupResource,
  MANAGED_SENTENCE,
  uniqueSorted,
} from './analysis/network-findings.js';
export {
  type PrivilegeGrant,
  type PrivilegeKind,
  type PrivilegeVerdict,
  privilegeOf,
  rolePrivilege,
} from './analysis/privilege.js';
// the RAM policy evaluator and the privilege of a principal
// RAM policies: labels, resource-group scope, AccessKey source networks, role trust
export {
  commandRunAsAnalysis,
  evaluateRequest,
  grantsAdmin,
  type ParsedPolicy,
  type PrincipalPolicies,
  parsePolicyDocument,
  policyLabel,
  principalLabel,
  principalPoliciesOf,
  RECOMMENDED_RUN_AS_CONDITION,
  type RequestDecision,
  resourceGroupPoliciesOfUser,
  resourceGroupsOf,
  sourceNetworkAnalysis,
  trustPolicyAnalysis,
  viaGroup,
} from './analysis/ram-policy.js';
// reachability from the internet: entry points → network ACL → groups → ports
export {
  type AclEntryRef,
  type DnatHop,
  type EntryKind,
  type EntryPoint,
  type EntryReachability,
  type InstanceReachability,
  REACHABILITY_READS,
  type ReachablePort,
  type ReachableRange,
  reachability,
  reachabilityIndex,
  reachablePorts,
  unknownReason,
} from './analysis/reachability.js';
// ActionTrail events: the root identity's activity, sign-in outcome and MFA, evidence
export {
  type CredentialKind,
  capped,
  credentialKindOf,
  dedupeEvents,
  eventEvidence,
  isConsoleSignin,
  isPermanentKeyApiCall,
  isRootIdentity,
  isWithinWindow,
  type MfaField,
  type MfaReading,
  type MfaState,
  mfaEvidence,
  mfaOf,
  outcomeOf,
  parseUtcTime,
  type RootActivity,
  rootActivity,
  rootActivityOf,
  type SigninOutcome,
} from './analysis/trail-events.js';
export type {
  ResourceRef,
  ResourceType,
  Rule,
  RuleContext,
  RuleFinding,
  RuleMeta,
  Severity,
} from './engine/types.js';
export { defineRule, instanceResource, RESOURCE_TYPES, SEVERITIES } from './engine/types.js';
export type {
  AccessKey,
  Disk,
  DnatEntry,
  Instance,
  Inventory,
  Invocation,
  Ipv6Address,
  KeyPair,
  NatGateway,
  NetworkAcl,
  NetworkAclEntry,
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
// AccessKey ids in findings: masked as every report and log masks them
export { maskAccessKeyId } from './util/mask.js';
export { VERSION } from './version.js';
