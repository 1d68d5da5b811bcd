/**
 * The controls of the CIS Alibaba Cloud Foundations Benchmark v2.0.0 that
 * ecs-audit's rules map to (`meta.compliance.cis`), or that a user auditing
 * against the benchmark expects to see listed. Ids and titles as the
 * benchmark words them (the CIS v2.0 mapping in Prowler's Alibaba Cloud
 * provider carries the same ids); 4.1 and 4.2 keep their v1.0.0 wording.
 * Controls no rule covers are listed as `manual` in a `--compliance cis` scan,
 * so the report never pretends to cover more than it does; the benchmark's
 * other controls are not listed, and the name says how many are.
 */
export interface Control {
  id: string;
  title: string;
}

export interface Framework {
  id: string;
  name: string;
  controls: readonly Control[];
}

/** how many controls the benchmark has (sections 1-8) */
const CIS_TOTAL = 80;

const CIS_CONTROLS: readonly Control[] = [
  { id: '1.1', title: 'Avoid the use of the root account' },
  { id: '1.2', title: 'Ensure no root account access key exists' },
  { id: '1.3', title: 'Ensure MFA is enabled for the root account' },
  {
    id: '1.4',
    title:
      'Ensure that multi-factor authentication is enabled for all RAM users that have a console password',
  },
  {
    id: '1.5',
    title: 'Ensure users not logged on for 90 days or longer are disabled for console logon',
  },
  { id: '1.6', title: 'Ensure access keys are rotated every 90 days or less' },
  { id: '1.7', title: 'Ensure RAM password policy requires at least one uppercase letter' },
  { id: '1.8', title: 'Ensure RAM password policy requires at least one lowercase letter' },
  { id: '1.9', title: 'Ensure RAM password policy require at least one symbol' },
  { id: '1.10', title: 'Ensure RAM password policy require at least one number' },
  { id: '1.11', title: 'Ensure RAM password policy requires minimum length of 14 or greater' },
  { id: '1.12', title: 'Ensure RAM password policy prevents password reuse' },
  { id: '1.13', title: 'Ensure RAM password policy expires passwords in 365 days or greater' },
  {
    id: '1.14',
    title:
      'Ensure RAM password policy temporarily blocks logon after 5 incorrect logon attempts within an hour',
  },
  {
    id: '1.15',
    title: 'Ensure RAM policies that allow full "*:*" administrative privileges are not created',
  },
  { id: '1.16', title: 'Ensure RAM policies are attached only to groups or roles' },
  {
    id: '2.1',
    title: 'Ensure that ActionTrail are configured to export copies of all Log entries',
  },
  {
    id: '2.16',
    title: 'Ensure a log monitoring and alerts are set up for unauthorized API calls',
  },
  {
    id: '2.17',
    title:
      'Ensure a log monitoring and alerts are set up for Management Console sign-in without MFA',
  },
  {
    id: '2.18',
    title: 'Ensure a log monitoring and alerts are set up for usage of root account',
  },
  {
    id: '2.22',
    title: 'Ensure a log monitoring and alerts are set up for security group changes',
  },
  { id: '3.2', title: 'Ensure that SSH access is restricted from the internet' },
  { id: '3.5', title: 'Ensure the security group are configured with fine grained rules' },
  { id: '4.1', title: "Ensure that 'Unattached disks' are encrypted" },
  { id: '4.2', title: "Ensure that 'Virtual Machine's disk' are encrypted" },
  { id: '4.3', title: 'Ensure no security groups allow ingress from 0.0.0.0/0 to port 22' },
  { id: '4.4', title: 'Ensure no security groups allow ingress from 0.0.0.0/0 to port 3389' },
  {
    id: '4.6',
    title: 'Ensure that the endpoint protection for all Virtual Machines is installed',
  },
  { id: '8.2', title: 'Ensure that all assets are installed with security agent' },
];

export const CIS: Framework = {
  id: 'cis',
  name: `CIS Alibaba Cloud Foundations Benchmark v2.0.0 (${CIS_CONTROLS.length} of ${CIS_TOTAL} controls)`,
  controls: CIS_CONTROLS,
};

export const FRAMEWORKS: Readonly<Record<string, Framework>> = { cis: CIS };

/** sort "1.10" after "1.9" */
export function compareControlIds(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
