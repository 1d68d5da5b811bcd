/** `ecs-audit/testing`: the rule tester for rule authors (runs under vitest). */
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
