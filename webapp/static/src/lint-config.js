// bpmnlint rules checked live while drawing. They are structural hints only: the server's check
// ("Prüfen") is the one that decides about a deployment, with Fallwerk's own rules.
import { Linter } from 'bpmnlint';
import endEventRequired from 'bpmnlint/rules/end-event-required';
import startEventRequired from 'bpmnlint/rules/start-event-required';
import noDisconnected from 'bpmnlint/rules/no-disconnected';
import noImplicitSplit from 'bpmnlint/rules/no-implicit-split';
import fakeJoin from 'bpmnlint/rules/fake-join';
import labelRequired from 'bpmnlint/rules/label-required';
import noDuplicateSequenceFlows from 'bpmnlint/rules/no-duplicate-sequence-flows';
import singleBlankStartEvent from 'bpmnlint/rules/single-blank-start-event';
import superfluousGateway from 'bpmnlint/rules/superfluous-gateway';

const rules = {
  'end-event-required': endEventRequired,
  'start-event-required': startEventRequired,
  'no-disconnected': noDisconnected,
  'no-implicit-split': noImplicitSplit,
  'fake-join': fakeJoin,
  'label-required': labelRequired,
  'no-duplicate-sequence-flows': noDuplicateSequenceFlows,
  'single-blank-start-event': singleBlankStartEvent,
  'superfluous-gateway': superfluousGateway,
};

const config = {
  rules: Object.fromEntries(Object.keys(rules).map((name) => [name, 'warn'])),
};

const resolver = {
  resolveRule(pkg, ruleName) {
    const rule = pkg === 'bpmnlint' ? rules[ruleName] : undefined;
    if (!rule) {
      throw new Error(`unknown lint rule ${pkg}/${ruleName}`);
    }
    return rule;
  },
  resolveConfig(pkg, configName) {
    throw new Error(`no bundled lint config ${pkg}/${configName}`);
  },
};

export default { config, resolver };
export { Linter };
