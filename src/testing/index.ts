/** `ecs-audit/testing`: the rule tester and inventory factories for rule authors (runs under vitest). */

export {
  DEFAULT_REGION,
  makeDisk,
  makeInstance,
  makeInventory,
  makeRule,
  makeSecurityGroup,
  makeUser,
} from './factories.js';
export {
  buildInventory,
  checkCase,
  DEFAULT_TEST_NOW,
  type ExpectedFinding,
  evaluateRule,
  type InvalidRuleCase,
  type InventoryFragment,
  type RuleCase,
  type RuleCases,
  testRule,
} from './rule-tester.js';
