/**
 * The peer scanners' security-group test cases (shared/corpus), translated into
 * inventory fragments and judged by OUR rules. Each translated fragment carries
 * our full expected verdict (sg-admin-port-open-to-internet,
 * sg-all-ports-open-to-internet, sg-high-risk-port-open-to-internet,
 * instance-admin-port-exposed); each peer verdict is compared on the aspect the
 * peer judges, and wherever ours differs the case has a `DIFFERS` note saying
 * what the peer says and why ours follows spec/rules.md instead.
 *
 * Sources (verdicts are read from the corpus, not copied here):
 * - checkov `example_AbsSecurityGroupUnrestrictedIngress.main.tf` + `checkov-expectations.json` (CKV_ALI_2 port 22, CKV_ALI_3 port 3389)
 * - kics `public_security_group_rule_{all_ports_or_protocols,sensitive_port,unknown_port}` (`positive*` listed in `positive_expected_result.json` = FAIL, `negative*` = PASS)
 * - infraguard `sg-*`, `ecs-security-group-*`, `ecs-instance-no-public-and-anyip` (ROS yaml and Terraform; `violation` = FAIL, `compliant` = PASS)
 * - prowler `prowler-test-expectations.json` (ecs_securitygroup_restrict_{ssh,rdp}_internet)
 *
 * Translation (Terraform / ROS → API-shaped inventory):
 * - `ip_protocol`/`IpProtocol`, `port_range`/`PortRange`, `policy`/`Policy`, `priority`/`Priority`, `nic_type`/`NicType`
 *   map to the rule fields as written (the analysis compares case-insensitively, as the API does); a missing
 *   policy is `accept` and a missing priority `1` (the provider's and ROS's documented defaults).
 * - `type = "egress"` / `SecurityGroupEgress`: an egress rule with the CIDR as `destCidrIp`.
 * - `nic_type = "internet"` only exists in classic-network groups, so such a rule goes into a classic group
 *   (`vpcId: null`); otherwise the group is a VPC group (its rules `intranet`, all facing the internet).
 *   ROS: a group with `VpcId` is a VPC group, one without is classic with NicType defaulting to `internet`.
 * - checkov judges one `alicloud_security_group_rule` at a time, so each of its rules gets its own group;
 *   infraguard and kics files are one group per `security_group_id` / ROS SecurityGroup.
 * - A missing `cidr_ip` stays missing (no source at all): the API has no such rule, see the DIFFERS note.
 * - Instances (ROS `AllocatePublicIP` + `InternetMaxBandwidthOut` > 0, TF `internet_max_bandwidth_out` > 0) get
 *   one public IP (47.96.10.10, a stand-in: the template cannot say which) on a primary interface.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import exposedRule from '../../rules/network/instance-admin-port-exposed.js';
import adminRule from '../../rules/network/sg-admin-port-open-to-internet.js';
import allPortsRule from '../../rules/network/sg-all-ports-open-to-internet.js';
import highRiskRule from '../../rules/network/sg-high-risk-port-open-to-internet.js';
import { evaluateRule } from '../../src/testing/rule-tester.js';
import {
  ecs,
  type GroupInput,
  group,
  type InstanceInput,
  instance,
  nic,
  type RuleInput,
  rule,
} from '../helpers/network.js';
import {
  CORPUS,
  corpusExists,
  corpusJson,
  isExpr,
  optNum,
  optStr,
  type PeerVerdict,
  type RosTemplate,
  rosFile,
  rosValue,
  str,
  type TfBlock,
  tfFile,
} from './peer-corpus.js';

// ------------------------------------------------------------------ our verdicts

/** What our rules say about one translated fragment. */
interface Ours {
  /** sg-admin-port-open-to-internet: the open admin ports */
  admin: number[];
  /** sg-all-ports-open-to-internet: the protocols open on every port */
  all: string[];
  /** sg-high-risk-port-open-to-internet: `tcp:20`, `udp:53`, ... */
  risky: string[];
  /** instance-admin-port-exposed flags an instance */
  instance: boolean;
}

const ours = (o: Partial<Ours> = {}): Ours => ({
  admin: [],
  all: [],
  risky: [],
  instance: false,
  ...o,
});

/** the high-risk lists of spec/rules.md, written out so a change of the rule's defaults shows up here */
const SPEC_TCP = [
  20, 21, 23, 25, 110, 135, 139, 143, 445, 1433, 1434, 1521, 2375, 2379, 3306, 5432, 5900, 5984,
  6379, 7001, 8080, 9200, 9300, 11211, 27017, 50070,
];
const SPEC_UDP = [53, 137, 138, 161, 11211];
const T = (...ports: number[]) => ports.map((p) => `tcp:${p}`);
const U = (...ports: number[]) => ports.map((p) => `udp:${p}`);
const ALL_TCP_RISKY = T(...SPEC_TCP);
const ALL_RISKY = [...ALL_TCP_RISKY, ...U(...SPEC_UDP)];
const WORLD_TCP = ours({ admin: [22, 3389], all: ['tcp'], risky: ALL_TCP_RISKY });

/** Our expected verdict for every translated fragment. */
const OURS: Record<string, Ours> = {
  // checkov: one group per rule
  'checkov/allow_all_tcp': WORLD_TCP,
  'checkov/allow_all_tcp2': ours(),
  'checkov/allow_all_low': ours({ admin: [22], risky: T(20, 21, 23, 25) }),
  'checkov/allow_all_high': ours({ admin: [3389], risky: T(...SPEC_TCP.filter((p) => p >= 101)) }),
  'checkov/allow_all_dns': ours(),
  'checkov/allow_all_http': ours(),
  'checkov/allow_all_ftp': ours({ risky: T(21) }),
  'checkov/allow_all_ftpdata': ours({ risky: T(20) }),
  'checkov/allow_all_mssqlmonitor': ours({ risky: T(1434) }),
  'checkov/allow_all_mssql': ours({ risky: T(1433) }),
  'checkov/allow_all_mysql': ours({ risky: T(3306) }),
  'checkov/allow_all_oracledb': ours({ risky: T(1521) }),
  'checkov/allow_all_postgresql': ours({ risky: T(5432) }),
  'checkov/allow_all_rdp': ours({ admin: [3389] }),
  'checkov/allow_all_smtp': ours({ risky: T(25) }),
  'checkov/allow_all_ssh': ours({ admin: [22] }),
  'checkov/allow_all_telnet': ours({ risky: T(23) }),
  'checkov/allow_all_vnclistener': ours(),
  'checkov/allow_all_vncserver': ours({ risky: T(5900) }),
  // kics
  'kics/all_ports_or_protocols.negative1': ours(),
  'kics/all_ports_or_protocols.positive2': ours(),
  'kics/all_ports_or_protocols.positive3': WORLD_TCP,
  'kics/sensitive_port.negative2': ours(),
  'kics/sensitive_port.positive1': ours({ risky: T(20) }),
  'kics/sensitive_port.positive2': ours(),
  'kics/sensitive_port.positive3': ours({ risky: T(445) }),
  'kics/unknown_port.negative2': ours(),
  'kics/unknown_port.positive1': ours(),
  'kics/unknown_port.positive2': ours({
    admin: [22, 3389],
    all: ['tcp', 'udp'],
    risky: ALL_RISKY,
  }),
  // infraguard
  'infraguard/sg-risky-ports-check.ros.violation': ours({ admin: [22, 3389] }),
  'infraguard/sg-risky-ports-check.ros.compliant': ours(),
  'infraguard/sg-risky-ports-check.terraform.violation': ours({ admin: [22] }),
  'infraguard/sg-risky-ports-check.terraform.compliant': ours(),
  'infraguard/ecs-security-group-risky-ports-check-with-protocol.ros.violation': ours({
    admin: [22],
  }),
  'infraguard/ecs-security-group-risky-ports-check-with-protocol.ros.compliant': ours(),
  'infraguard/ecs-security-group-risky-ports-check-with-protocol.terraform.violation': ours({
    admin: [22],
  }),
  'infraguard/ecs-security-group-risky-ports-check-with-protocol.terraform.compliant': ours(),
  'infraguard/sg-public-access-check.ros.violation': WORLD_TCP,
  'infraguard/sg-public-access-check.ros.compliant': ours(),
  'infraguard/sg-public-access-check.terraform.violation': WORLD_TCP,
  'infraguard/sg-public-access-check.terraform.compliant': ours(),
  'infraguard/ecs-security-group-not-open-all-port.ros.violation': ours(),
  'infraguard/ecs-security-group-not-open-all-port.ros.compliant': ours(),
  'infraguard/ecs-security-group-not-open-all-port.terraform.violation': ours(),
  'infraguard/ecs-security-group-not-open-all-port.terraform.compliant': ours(),
  'infraguard/ecs-security-group-not-open-all-protocol.ros.violation': ours(),
  'infraguard/ecs-security-group-not-open-all-protocol.ros.compliant': ours(),
  'infraguard/ecs-security-group-not-open-all-protocol.terraform.violation': ours(),
  'infraguard/ecs-security-group-not-open-all-protocol.terraform.compliant': ours(),
  'infraguard/ecs-security-group-not-internet-cidr-access.ros.violation': ours(),
  'infraguard/ecs-security-group-not-internet-cidr-access.ros.compliant': ours(),
  'infraguard/ecs-security-group-not-internet-cidr-access.terraform.violation': ours(),
  'infraguard/ecs-security-group-not-internet-cidr-access.terraform.compliant': ours(),
  'infraguard/ecs-security-group-white-list-port-check.ros.violation': ours({ risky: T(8080) }),
  'infraguard/ecs-security-group-white-list-port-check.ros.compliant': ours(),
  'infraguard/ecs-security-group-white-list-port-check.terraform.violation': ours({
    risky: T(8080),
  }),
  'infraguard/ecs-security-group-white-list-port-check.terraform.compliant': ours(),
  'infraguard/ecs-security-group-egress-not-all-access.ros.violation': ours(),
  'infraguard/ecs-security-group-egress-not-all-access.ros.compliant': ours(),
  'infraguard/ecs-security-group-egress-not-all-access.terraform.violation': ours(),
  'infraguard/ecs-security-group-egress-not-all-access.terraform.compliant': ours(),
  'infraguard/ecs-instance-no-public-and-anyip.ros.violation': ours(),
  'infraguard/ecs-instance-no-public-and-anyip.ros.compliant': ours(),
  'infraguard/ecs-instance-no-public-and-anyip.terraform.violation': ours(),
  'infraguard/ecs-instance-no-public-and-anyip.terraform.compliant': ours(),
  // prowler
  'prowler/ecs_securitygroup_restrict_ssh_internet.sg-1': ours({ admin: [22] }),
  'prowler/ecs_securitygroup_restrict_ssh_internet.sg-2': ours(),
  'prowler/ecs_securitygroup_restrict_rdp_internet.sg-1': ours({ admin: [3389] }),
  'prowler/ecs_securitygroup_restrict_rdp_internet.sg-2': ours(),
};

/**
 * Where our verdict on the peer's aspect differs from the peer's: the peer's verdict, ours, and why.
 * Keys are case ids (`<fragment>` or, for checkov's two checks on one input, `<fragment>@<check>`).
 */
const DIFFERS: Record<string, string> = {
  'checkov/allow_all_tcp2@CKV_ALI_2':
    'checkov FAIL, ours PASS: checkov counts a rule without cidr_ip as open to 0.0.0.0/0. The translated rule has no source at all ' +
    '(the API never returns an ingress rule without a CIDR, group or prefix-list source; the provider doc says both "cidr_ip defaults to 0.0.0.0/0" ' +
    'and "either source_security_group_id or cidr_ip must be set"), and a rule without an internet source opens nothing to the internet.',
  'checkov/allow_all_tcp2@CKV_ALI_3':
    'checkov FAIL, ours PASS: as for CKV_ALI_2, a missing cidr_ip is not read as 0.0.0.0/0.',
  'kics/all_ports_or_protocols.positive2':
    'kics FAIL ("exposes all ports for the gre protocol"), ours PASS: GRE has no ports; sg-all-ports-open-to-internet judges every TCP or every UDP port ' +
    '(spec catalogue) and no rule of ours covers GRE.',
  'kics/sensitive_port.positive2':
    'kics FAIL (udp:4333 is on its sensitive list), ours PASS: UDP 4333 (mSQL) is not a high-risk port in spec/rules.md ' +
    '(UDP 53, 137, 138, 161, 11211); the udpPorts option can add it.',
  'kics/unknown_port.positive1':
    'kics FAIL (TCP 54-60 are "unknown" ports open to the public), ours PASS: we have no unknown-port rule and none of 54-60 is an admin or high-risk port.',
  'infraguard/ecs-security-group-not-open-all-port.ros.violation':
    'infraguard FAIL (any ingress PortRange -1/-1, whatever the source), ours PASS: the source is 10.0.0.0/8, not the internet; our rules judge internet exposure only.',
  'infraguard/ecs-security-group-not-open-all-port.terraform.violation':
    'infraguard FAIL (any ingress port_range -1/-1, whatever the source), ours PASS: the source is 10.0.0.0/8, not the internet.',
  'infraguard/ecs-security-group-not-open-all-protocol.ros.violation':
    'infraguard FAIL (any ingress IpProtocol all, whatever the source), ours PASS: the source is 10.0.0.0/8, not the internet.',
  'infraguard/ecs-security-group-not-open-all-protocol.terraform.violation':
    'infraguard FAIL (any ingress ip_protocol all, whatever the source), ours PASS: the source is 10.0.0.0/8, not the internet.',
  'infraguard/ecs-security-group-not-internet-cidr-access.ros.violation':
    'infraguard FAIL (any Accept from a CIDR holding public addresses), ours PASS: 203.0.113.0/24 is far below half of the public IPv4 space ' +
    '(spec: "47.0.0.0/8 or an office /24 are not" open).',
  'infraguard/ecs-security-group-not-internet-cidr-access.terraform.violation':
    "infraguard FAIL (any Accept from a CIDR holding public addresses), ours PASS: a /24 is not the internet in the spec's sense.",
  'infraguard/ecs-security-group-egress-not-all-access.ros.violation':
    'infraguard FAIL (egress all -1/-1 to 0.0.0.0/0), ours PASS: egress rules are ignored (spec: "ingress; egress ignored").',
  'infraguard/ecs-security-group-egress-not-all-access.terraform.violation':
    'infraguard FAIL (egress all -1/-1 to 0.0.0.0/0), ours PASS: egress rules are ignored.',
  'infraguard/ecs-instance-no-public-and-anyip.ros.violation':
    "infraguard FAIL (a public IP alone fails: AllocatePublicIP with bandwidth > 0), ours PASS: instance-admin-port-exposed needs the interface's groups " +
    'to open TCP 22/3389; the template does not define sg-test123, so its rules are unknown and the rule emits nothing (spec: never guess from missing data).',
  'infraguard/ecs-instance-no-public-and-anyip.terraform.violation':
    'infraguard FAIL (internet_max_bandwidth_out > 0 gives a public IP, which alone fails), ours PASS: the group sg-123456 is not defined, its rules are unknown.',
};

/**
 * Cases where our verdict contradicts spec/rules.md (a suspected bug in the rule, reported to the lead):
 * asserted to still give the wrong verdict so that a fix shows up. None found.
 */
const KNOWN_BUGS: Array<{ case: string; spec: string }> = [];

// ------------------------------------------------------------------ translation

interface Fragment {
  key: string;
  file: string;
  groups: GroupInput[];
  instances: InstanceInput[];
}

type Aspect = 'admin:22' | 'admin:3389' | 'admin' | 'all-ports' | 'any' | 'instance';

interface NetCase {
  id: string;
  source: 'checkov' | 'kics' | 'infraguard' | 'prowler';
  check: string;
  fragment: Fragment;
  aspect: Aspect;
  peer: PeerVerdict;
}

const PUBLIC_IP = '47.96.10.10';

/** one `alicloud_security_group_rule` block as an API-shaped rule */
function tfRule(b: TfBlock): { rule: RuleInput; classic: boolean; groupRef: string } {
  const a = b.attrs;
  const direction = str(a.type, `${b.name}.type`);
  const nicType = optStr(a.nic_type);
  const cidr = optStr(a.cidr_ip) ?? '';
  const cidr6 = optStr(a.ipv6_cidr_ip) ?? '';
  const peerGroup = optStr(a.source_security_group_id) ?? '';
  const groupRef = isExpr(a.security_group_id)
    ? a.security_group_id.expr
    : str(a.security_group_id, `${b.name}.security_group_id`);
  return {
    rule: rule({
      id: `sgr-${b.name}`,
      direction,
      ipProtocol: str(a.ip_protocol, `${b.name}.ip_protocol`),
      portRange: str(a.port_range, `${b.name}.port_range`),
      policy: optStr(a.policy) ?? 'accept',
      priority: optNum(a.priority) ?? 1,
      nicType: nicType ?? 'intranet',
      ...(direction === 'egress'
        ? { destCidrIp: cidr, ipv6DestCidrIp: cidr6, destGroupId: peerGroup }
        : { sourceCidrIp: cidr, ipv6SourceCidrIp: cidr6, sourceGroupId: peerGroup }),
    }),
    classic: nicType?.toLowerCase() === 'internet',
    groupRef,
  };
}

const groupIdOf = (ref: string) => (ref.startsWith('sg-') ? ref : `sg-${ref.split('.')[1] ?? ref}`);

/** the rule blocks of a .tf file, one group per security_group_id */
function tfGroups(blocks: TfBlock[]): GroupInput[] {
  const byGroup = new Map<string, { rules: RuleInput[]; classic: boolean }>();
  for (const b of blocks.filter((x) => x.type === 'alicloud_security_group_rule')) {
    const t = tfRule(b);
    const id = groupIdOf(t.groupRef);
    const g = byGroup.get(id) ?? { rules: [], classic: false };
    g.rules.push(t.rule);
    g.classic ||= t.classic;
    byGroup.set(id, g);
  }
  return [...byGroup].map(([id, g]) => group(id, g.rules, { vpcId: g.classic ? null : 'vpc-1' }));
}

function tfInstances(blocks: TfBlock[]): InstanceInput[] {
  return blocks
    .filter((b) => b.type === 'alicloud_instance')
    .map((b) => {
      const groups = (b.attrs.security_groups as string[] | undefined) ?? [];
      const pub = (optNum(b.attrs.internet_max_bandwidth_out) ?? 0) > 0;
      return publicInstance(b.name, groups, pub);
    });
}

function publicInstance(name: string, groups: string[], pub: boolean): InstanceInput {
  const ips = pub ? [PUBLIC_IP] : [];
  return instance(`i-${name}`, {
    securityGroupIds: groups,
    publicIps: ips,
    networkInterfaces: [nic(`eni-${name}`, groups, { publicIps: ips })],
  });
}

type RosPermission = Record<string, unknown>;

function rosRule(p: RosPermission, direction: 'ingress' | 'egress', vpc: boolean, i: number) {
  const s = (k: string) => (p[k] === undefined ? '' : String(p[k]));
  return rule({
    id: `sgr-${direction}-${i}`,
    direction,
    ipProtocol: s('IpProtocol'),
    portRange: s('PortRange'),
    policy: s('Policy') || 'accept',
    priority: typeof p.Priority === 'number' ? p.Priority : 1,
    nicType: s('NicType') || (vpc ? 'intranet' : 'internet'),
    ...(direction === 'egress'
      ? {
          destCidrIp: s('DestCidrIp'),
          ipv6DestCidrIp: s('Ipv6DestCidrIp'),
          destGroupId: s('DestGroupId'),
        }
      : {
          sourceCidrIp: s('SourceCidrIp'),
          ipv6SourceCidrIp: s('Ipv6SourceCidrIp'),
          sourceGroupId: s('SourceGroupId'),
        }),
  });
}

function rosGroups(t: RosTemplate): GroupInput[] {
  return t.resources
    .filter((r) => r.type === 'ALIYUN::ECS::SecurityGroup')
    .map((r) => {
      const vpcId = rosValue(t, r.properties.VpcId);
      const vpc = typeof vpcId === 'string';
      const ingress = (r.properties.SecurityGroupIngress as RosPermission[] | undefined) ?? [];
      const egress = (r.properties.SecurityGroupEgress as RosPermission[] | undefined) ?? [];
      return group(
        `sg-${r.logicalId}`,
        [
          ...ingress.map((p, i) => rosRule(p, 'ingress', vpc, i)),
          ...egress.map((p, i) => rosRule(p, 'egress', vpc, i)),
        ],
        { vpcId: vpc ? (vpcId as string) : null },
      );
    });
}

function rosInstances(t: RosTemplate): InstanceInput[] {
  return t.resources
    .filter((r) => r.type === 'ALIYUN::ECS::Instance')
    .map((r) => {
      const p = r.properties;
      const sg = rosValue(t, p.SecurityGroupId);
      // ROS: AllocatePublicIP defaults to true; a public IP needs bandwidth > 0
      const pub =
        rosValue(t, p.AllocatePublicIP) !== false &&
        Number(rosValue(t, p.InternetMaxBandwidthOut) ?? 0) > 0;
      return publicInstance(r.logicalId, typeof sg === 'string' ? [sg] : [], pub);
    });
}

// ------------------------------------------------------------------ the cases, read from the corpus

interface CheckovExpectations {
  cases: Array<{
    check_id: string;
    input: string;
    expected_passed: string[];
    expected_failed: string[];
  }>;
}

const CHECKOV_SG_FILE = 'checkov-alicloud/example_AbsSecurityGroupUnrestrictedIngress.main.tf';
const checkovBlocks = tfFile(CHECKOV_SG_FILE);
const checkovFragments = new Map<string, Fragment>(
  checkovBlocks
    .filter((b) => b.type === 'alicloud_security_group_rule')
    .map((b) => {
      const t = tfRule(b);
      const key = `checkov/${b.name}`;
      return [
        b.name,
        {
          key,
          file: CHECKOV_SG_FILE,
          // checkov judges each rule on its own: one group per rule
          groups: [group(`sg-${b.name}`, [t.rule], { vpcId: t.classic ? null : 'vpc-1' })],
          instances: [],
        },
      ];
    }),
);
const checkovExpect = corpusJson<CheckovExpectations>('checkov-alicloud/checkov-expectations.json');
const CHECKOV_ASPECT: Record<string, Aspect> = { CKV_ALI_2: 'admin:22', CKV_ALI_3: 'admin:3389' };
const checkovCases: NetCase[] = checkovExpect.cases
  .filter((c) => c.check_id in CHECKOV_ASPECT)
  .flatMap((c) =>
    (
      [
        ...c.expected_passed.map((r) => [r, 'PASS'] as const),
        ...c.expected_failed.map((r) => [r, 'FAIL'] as const),
      ] as const
    ).map(([resource, peer]) => {
      const name = resource.replace(/^alicloud_security_group_rule\./, '');
      const fragment = checkovFragments.get(name);
      if (!fragment) throw new Error(`checkov expects ${resource}, not in ${c.input}`);
      return {
        id: `${fragment.key}@${c.check_id}`,
        source: 'checkov' as const,
        check: c.check_id,
        fragment,
        aspect: CHECKOV_ASPECT[c.check_id]!,
        peer,
      };
    }),
  );

const KICS_QUERIES: Record<string, Aspect> = {
  all_ports_or_protocols: 'all-ports',
  sensitive_port: 'any',
  unknown_port: 'any',
};
const kicsDir = readdirSync(path.join(CORPUS, 'kics-alicloud'));
/** files a kics expected-result list names that the corpus does not hold */
const kicsMissing: string[] = [];
const kicsCases: NetCase[] = Object.entries(KICS_QUERIES).flatMap(([query, aspect]) => {
  const prefix = `public_security_group_rule_${query}.`;
  const expected = corpusJson<Array<{ filename?: string; fileName?: string }>>(
    `kics-alicloud/${prefix}positive_expected_result.json`,
  ).map((e) => e.filename ?? e.fileName ?? '');
  for (const f of expected)
    if (!corpusExists(`kics-alicloud/${prefix}${f}`)) kicsMissing.push(`${prefix}${f}`);
  return kicsDir
    .filter((f) => f.startsWith(prefix) && f.endsWith('.tf'))
    .map((f) => {
      const variant = f.slice(prefix.length, -'.tf'.length);
      const blocks = tfFile(`kics-alicloud/${f}`);
      const fragment: Fragment = {
        key: `kics/${query}.${variant}`,
        file: `kics-alicloud/${f}`,
        groups: tfGroups(blocks),
        instances: [],
      };
      let peer: PeerVerdict;
      if (variant.startsWith('negative')) peer = 'PASS';
      else if (expected.includes(`${variant}.tf`)) peer = 'FAIL';
      else throw new Error(`kics ${f}: positive file not in the expected results`);
      return { id: fragment.key, source: 'kics' as const, check: query, fragment, aspect, peer };
    });
});

const INFRAGUARD_RULES: Record<string, Aspect> = {
  'sg-risky-ports-check': 'admin',
  'ecs-security-group-risky-ports-check-with-protocol': 'admin',
  'sg-public-access-check': 'all-ports',
  'ecs-security-group-not-open-all-port': 'all-ports',
  'ecs-security-group-not-open-all-protocol': 'all-ports',
  'ecs-security-group-not-internet-cidr-access': 'any',
  'ecs-security-group-white-list-port-check': 'any',
  'ecs-security-group-egress-not-all-access': 'any',
  'ecs-instance-no-public-and-anyip': 'instance',
};
const infraguardDir = readdirSync(path.join(CORPUS, 'infraguard-aliyun'));
const infraguardCases: NetCase[] = Object.entries(INFRAGUARD_RULES).flatMap(([name, aspect]) =>
  infraguardDir
    .filter((f) => f.startsWith(`${name}.`))
    .map((f) => {
      const m = /^(.+)\.(ros|terraform)\.(compliant|violation)\.(yaml|main\.tf)$/.exec(f);
      if (!m) throw new Error(`infraguard file name not understood: ${f}`);
      const [, , flavor, verdict] = m;
      const rel = `infraguard-aliyun/${f}`;
      let groups: GroupInput[];
      let instances: InstanceInput[];
      if (flavor === 'ros') {
        const t = rosFile(rel);
        groups = rosGroups(t);
        instances = rosInstances(t);
      } else {
        const blocks = tfFile(rel);
        groups = tfGroups(blocks);
        instances = tfInstances(blocks);
      }
      const fragment: Fragment = {
        key: `infraguard/${name}.${flavor}.${verdict}`,
        file: rel,
        groups,
        instances,
      };
      return {
        id: fragment.key,
        source: 'infraguard' as const,
        check: name,
        fragment,
        aspect,
        peer: verdict === 'violation' ? ('FAIL' as const) : ('PASS' as const),
      };
    }),
);

interface ProwlerExpectations {
  cases: Array<{
    check: string;
    input: {
      security_group?: {
        id: string;
        region: string;
        ingress_rules: Array<{
          ip_protocol: string;
          source_cidr_ip: string;
          port_range: string;
          policy: string;
        }>;
      };
    };
    expected: 'PASS' | 'FAIL';
  }>;
}
const PROWLER_ASPECT: Record<string, Aspect> = {
  ecs_securitygroup_restrict_ssh_internet: 'admin:22',
  ecs_securitygroup_restrict_rdp_internet: 'admin:3389',
};
const prowlerCases: NetCase[] = corpusJson<ProwlerExpectations>(
  'prowler-alibabacloud/prowler-test-expectations.json',
)
  .cases.filter((c) => c.check in PROWLER_ASPECT)
  .map((c) => {
    const sg = c.input.security_group;
    if (!sg) throw new Error(`prowler ${c.check}: no security_group input`);
    const fragment: Fragment = {
      key: `prowler/${c.check}.${sg.id}`,
      file: 'prowler-alibabacloud/prowler-test-expectations.json',
      groups: [
        group(
          sg.id,
          sg.ingress_rules.map((r, i) =>
            rule({
              id: `sgr-${i}`,
              ipProtocol: r.ip_protocol,
              portRange: r.port_range,
              sourceCidrIp: r.source_cidr_ip,
              policy: r.policy,
              priority: 1,
            }),
          ),
          { region: sg.region },
        ),
      ],
      instances: [],
    };
    return {
      id: fragment.key,
      source: 'prowler' as const,
      check: c.check,
      fragment,
      aspect: PROWLER_ASPECT[c.check]!,
      peer: c.expected,
    };
  });

const CASES: NetCase[] = [...checkovCases, ...kicsCases, ...infraguardCases, ...prowlerCases];
const FRAGMENTS = [...new Map(CASES.map((c) => [c.fragment.key, c.fragment])).values()];

// ------------------------------------------------------------------ judging

interface Evidence {
  ports?: number[] | { tcp: number[]; udp: number[] };
  protocols?: string[];
}

function judge(f: Fragment): Ours {
  const inventory = ecs(f.groups, f.instances);
  const one = (findings: Array<{ evidence: Record<string, unknown> }>) => {
    expect(findings.length, `${f.key}: one group, at most one finding`).toBeLessThanOrEqual(1);
    return findings[0]?.evidence as Evidence | undefined;
  };
  const admin = one(evaluateRule(adminRule, { name: 'corpus case', inventory }));
  const all = one(evaluateRule(allPortsRule, { name: 'corpus case', inventory }));
  const risky = one(evaluateRule(highRiskRule, { name: 'corpus case', inventory }));
  const exposed = evaluateRule(exposedRule, { name: 'corpus case', inventory });
  const riskyPorts = risky?.ports as { tcp: number[]; udp: number[] } | undefined;
  return {
    admin: (admin?.ports as number[] | undefined) ?? [],
    all: all?.protocols ?? [],
    risky: riskyPorts ? [...T(...riskyPorts.tcp), ...U(...riskyPorts.udp)] : [],
    instance: exposed.length > 0,
  };
}

function aspectVerdict(o: Ours, aspect: Aspect): 'FAIL' | 'PASS' {
  const fail = {
    'admin:22': o.admin.includes(22),
    'admin:3389': o.admin.includes(3389),
    admin: o.admin.length > 0,
    'all-ports': o.all.length > 0,
    any: o.admin.length + o.all.length + o.risky.length > 0,
    instance: o.instance,
  }[aspect];
  return fail ? 'FAIL' : 'PASS';
}

// ------------------------------------------------------------------ tests

describe('peer security-group cases: extraction', () => {
  it('reads every case of every source (a parse failure changes a count)', () => {
    expect(checkovBlocks.filter((b) => b.type === 'alicloud_security_group_rule')).toHaveLength(19);
    expect(checkovCases).toHaveLength(38);
    expect(kicsCases).toHaveLength(10);
    expect(infraguardCases).toHaveLength(36);
    expect(prowlerCases).toHaveLength(4);
    expect(FRAGMENTS).toHaveLength(19 + 10 + 36 + 4);
  });

  it('every case id is unique and every fragment has an expected verdict of ours, and nothing more', () => {
    const ids = CASES.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(FRAGMENTS.map((f) => f.key).sort()).toEqual(Object.keys(OURS).sort());
  });

  it('every translated fragment holds what the source defines (one group, or one instance)', () => {
    for (const f of FRAGMENTS) {
      const n = [f.groups.length, f.instances.length];
      const want = f.key.includes('ecs-instance-no-public-and-anyip') ? [0, 1] : [1, 0];
      expect(n, f.key).toEqual(want);
      for (const g of f.groups) expect(g.rules?.length ?? 0, f.key).toBeGreaterThan(0);
    }
  });

  it('kics: the one expected positive the corpus lacks is named (all_ports_or_protocols positive1.tf)', () => {
    expect(kicsMissing).toEqual(['public_security_group_rule_all_ports_or_protocols.positive1.tf']);
  });

  it('translation spot checks: attributes land in the API fields', () => {
    const tcp2 = checkovFragments.get('allow_all_tcp2')!.groups[0]!;
    expect(tcp2).toMatchObject({ vpcId: null });
    expect(tcp2.rules![0]).toMatchObject({
      direction: 'ingress',
      ipProtocol: 'tcp',
      portRange: '1/65535',
      policy: 'accept',
      priority: 1,
      nicType: 'internet',
      sourceCidrIp: '',
    });
    const egress = infraguardCases.find(
      (c) => c.id === 'infraguard/ecs-security-group-egress-not-all-access.ros.violation',
    )!.fragment.groups[0]!;
    expect(egress.rules![0]).toMatchObject({
      direction: 'egress',
      ipProtocol: 'all',
      portRange: '-1/-1',
      destCidrIp: '0.0.0.0/0',
    });
    expect(egress.rules![0]!.sourceCidrIp ?? '').toBe('');
    const vpc = infraguardCases.find(
      (c) => c.id === 'infraguard/sg-risky-ports-check.ros.violation',
    )!.fragment.groups[0]!;
    expect(vpc.vpcId).toBe('vpc-bp1****');
    expect(vpc.rules!.map((r) => r.portRange)).toEqual(['22/22', '3389/3389']);
    const inst = infraguardCases.find(
      (c) => c.id === 'infraguard/ecs-instance-no-public-and-anyip.terraform.violation',
    )!.fragment.instances[0]!;
    expect(inst).toMatchObject({ securityGroupIds: ['sg-123456'], publicIps: [PUBLIC_IP] });
  });
});

describe('peer security-group cases: our verdicts', () => {
  for (const f of FRAGMENTS) {
    it(`${f.key} (${f.file})`, () => {
      expect(judge(f)).toEqual(OURS[f.key]);
    });
  }
});

describe('peer security-group cases: compared with the peer', () => {
  for (const c of CASES) {
    it(`${c.id}: peer ${c.peer}${DIFFERS[c.id] ? ' (differs)' : ''}`, () => {
      const o = aspectVerdict(judge(c.fragment), c.aspect);
      if (DIFFERS[c.id] !== undefined) {
        expect(o, DIFFERS[c.id]).not.toBe(c.peer);
        expect(DIFFERS[c.id]).toMatch(new RegExp(`^\\w+ ${c.peer}\\b.*ours ${o}`));
      } else if (KNOWN_BUGS.some((b) => b.case === c.id)) {
        // a known bug: still the wrong verdict, until it is fixed and leaves KNOWN_BUGS
        expect(o, `${c.id}: fixed? remove it from KNOWN_BUGS`).not.toBe(c.peer);
      } else {
        expect(o, `${c.id}: peer ${c.peer}, no DIFFERS note`).toBe(c.peer);
      }
    });
  }

  it('the differing cases are exactly the noted ones: 15 (checkov 2, kics 3, infraguard 10, prowler 0)', () => {
    const differing = CASES.filter(
      (c) => aspectVerdict(judge(c.fragment), c.aspect) !== c.peer,
    ).map((c) => c.id);
    // a difference is either explained (DIFFERS) or a known bug that still gives its wrong
    // verdict (KNOWN_BUGS); a fixed bug fails here until it leaves KNOWN_BUGS
    const bugs = KNOWN_BUGS.map((b) => b.case);
    expect(bugs.filter((id) => DIFFERS[id] !== undefined)).toEqual([]);
    for (const b of KNOWN_BUGS) expect(b.spec, b.case).not.toBe('');
    expect(differing.sort()).toEqual([...Object.keys(DIFFERS), ...bugs].sort());
    const bySource = (s: NetCase['source']) =>
      CASES.filter((c) => c.source === s && DIFFERS[c.id] !== undefined).length;
    expect([
      bySource('checkov'),
      bySource('kics'),
      bySource('infraguard'),
      bySource('prowler'),
    ]).toEqual([2, 3, 10, 0]);
  });
});
