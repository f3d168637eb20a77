// A "Fallwerk" group in the properties panel, so designers edit what Fallwerk reads from
// camunda:property entries (workflows/README.md) as plain fields instead of generic extension
// properties they would have to name correctly:
// - user tasks: the reminder policy ("reminders"), the task title with its subject ("title") and
//   the case facts the task shows ("fact:<path>", one line each);
// - processes: the case facts every page of the case shows.
import {
  TextAreaEntry, TextFieldEntry, isTextAreaEntryEdited, isTextFieldEntryEdited,
} from '@bpmn-io/properties-panel';
import { jsx } from '@bpmn-io/properties-panel/preact/jsx-runtime';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

// after the Camunda provider, so the group comes below the standard ones
const PRIORITY = 400;
const FACT_PREFIX = 'fact:';

/** The element whose extensionElements hold process properties: a pool's process, else the element. */
function owner(element) {
  const bo = getBusinessObject(element);
  return is(bo, 'bpmn:Participant') ? bo.get('processRef') : bo;
}

function propertiesOf(bo) {
  const extensions = bo && bo.get('extensionElements');
  return extensions && extensions.get('values').find((value) => is(value, 'camunda:Properties'));
}

function propertyList(bo) {
  const properties = propertiesOf(bo);
  return properties ? properties.get('values') : [];
}

function create(bpmnFactory, type, attrs, parent) {
  const created = bpmnFactory.create(type, attrs);
  created.$parent = parent;
  return created;
}

/** camunda:properties of ``bo``, created with its extensionElements when missing. */
function ensureProperties(element, bo, modeling, bpmnFactory) {
  let extensions = bo.get('extensionElements');
  if (!extensions) {
    extensions = create(bpmnFactory, 'bpmn:ExtensionElements', { values: [] }, bo);
    modeling.updateModdleProperties(element, bo, { extensionElements: extensions });
  }
  let properties = propertiesOf(bo);
  if (!properties) {
    properties = create(bpmnFactory, 'camunda:Properties', { values: [] }, extensions);
    modeling.updateModdleProperties(element, extensions, { values: [...extensions.get('values'), properties] });
  }
  return properties;
}

/**
 * Replace the properties ``matches`` selects by ``wanted`` ([[name, value], ...]), keeping every
 * other property where it is; the new ones go where the first old one was (else at the end).
 */
function replaceProperties(element, bo, matches, wanted, modeling, bpmnFactory) {
  if (!wanted.length && !propertyList(bo).some((p) => matches(p.name))) {
    return;
  }
  const properties = ensureProperties(element, bo, modeling, bpmnFactory);
  const current = properties.get('values');
  const fresh = wanted.map(([name, value]) => create(bpmnFactory, 'camunda:Property', { name, value }, properties));
  const first = current.findIndex((p) => matches(p.name));
  const kept = current.filter((p) => !matches(p.name));
  const at = first < 0 ? kept.length : current.slice(0, first).filter((p) => !matches(p.name)).length;
  modeling.updateModdleProperties(element, properties, { values: [...kept.slice(0, at), ...fresh, ...kept.slice(at)] });
}

/** One fact per line, "path | Label | format" (the format is optional). */
export function factsToText(bo) {
  return propertyList(bo)
    .filter((p) => (p.name || '').startsWith(FACT_PREFIX))
    .map((p) => `${p.name.slice(FACT_PREFIX.length)} | ${p.value || ''}`)
    .join('\n');
}

export function textToFacts(text) {
  return (text || '').split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const cut = line.indexOf('|');
      const path = (cut < 0 ? line : line.slice(0, cut)).trim();
      const rest = cut < 0 ? '' : line.slice(cut + 1).trim();
      return [`${FACT_PREFIX}${path}`, rest];
    });
}

function PropertyEntry(props) {
  const { element, id, label, description, name } = props;
  const modeling = useService('modeling');
  const bpmnFactory = useService('bpmnFactory');
  const debounce = useService('debounceInput');
  const bo = owner(element);
  return jsx(TextFieldEntry, {
    element,
    id,
    label,
    description,
    debounce,
    getValue: () => {
      const property = propertyList(bo).find((p) => p.name === name);
      return (property && property.value) || '';
    },
    setValue: (value) => {
      const text = (value || '').trim();
      replaceProperties(element, bo, (n) => n === name, text ? [[name, text]] : [], modeling, bpmnFactory);
    },
  });
}

function FactsEntry(props) {
  const { element, id, label, description } = props;
  const modeling = useService('modeling');
  const bpmnFactory = useService('bpmnFactory');
  const debounce = useService('debounceInput');
  const bo = owner(element);
  return jsx(TextAreaEntry, {
    element,
    id,
    label,
    description,
    debounce,
    rows: 6,
    monospace: true,
    getValue: () => factsToText(bo),
    setValue: (value) => replaceProperties(
      element, bo, (n) => (n || '').startsWith(FACT_PREFIX), textToFacts(value), modeling, bpmnFactory,
    ),
  });
}

class FallwerkPropertiesProvider {
  constructor(propertiesPanel, config) {
    this.labels = (config && config.labels) || {};
    propertiesPanel.registerProvider(PRIORITY, this);
  }

  entries(element) {
    const labels = this.labels;
    const facts = {
      id: 'fallwerk-facts', element, component: FactsEntry, isEdited: isTextAreaEntryEdited,
      label: labels.facts_label, description: labels.facts_hint,
    };
    if (is(element, 'bpmn:UserTask')) {
      return [
        {
          id: 'fallwerk-title', element, component: PropertyEntry, isEdited: isTextFieldEntryEdited,
          name: 'title', label: labels.title_label, description: labels.title_hint,
        },
        { ...facts, description: labels.task_facts_hint },
        {
          id: 'fallwerk-reminders', element, component: PropertyEntry, isEdited: isTextFieldEntryEdited,
          name: 'reminders', label: labels.reminders_label, description: labels.reminders_hint,
        },
      ];
    }
    if (is(element, 'bpmn:Process') || (is(element, 'bpmn:Participant') && owner(element))) {
      return [facts];
    }
    return [];
  }

  getGroups(element) {
    return (groups) => {
      const entries = this.entries(element);
      if (entries.length) {
        groups.push({ id: 'fallwerk', label: this.labels.group_label || 'Fallwerk', entries });
      }
      return groups;
    };
  }
}

FallwerkPropertiesProvider.$inject = ['propertiesPanel', 'config.fallwerk'];

export default {
  __init__: ['fallwerkPropertiesProvider'],
  fallwerkPropertiesProvider: ['type', FallwerkPropertiesProvider],
};
