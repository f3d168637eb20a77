// A "Fallwerk" group in the properties panel of user tasks: the reminder policy (the task's
// camunda:property "reminders", see workflows/README.md) as one text field instead of a generic
// extension property the designer has to name correctly.
import { TextFieldEntry, isTextFieldEntryEdited } from '@bpmn-io/properties-panel';
import { jsx } from '@bpmn-io/properties-panel/preact/jsx-runtime';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

const PROPERTY = 'reminders';
// after the Camunda provider, so the group comes below the standard ones
const PRIORITY = 400;

function propertiesOf(bo) {
  const extensions = bo.get('extensionElements');
  return extensions && extensions.get('values').find((value) => is(value, 'camunda:Properties'));
}

function reminderProperty(bo) {
  const properties = propertiesOf(bo);
  return properties && properties.get('values').find((property) => property.name === PROPERTY);
}

function create(bpmnFactory, type, attrs, parent) {
  const element = bpmnFactory.create(type, attrs);
  element.$parent = parent;
  return element;
}

/** Write the policy, creating extensionElements and camunda:properties as needed; empty removes it. */
function writePolicy(element, value, modeling, bpmnFactory) {
  const bo = getBusinessObject(element);
  const existing = reminderProperty(bo);
  if (!value) {
    if (existing) {
      const properties = existing.$parent;
      modeling.updateModdleProperties(element, properties, {
        values: properties.get('values').filter((property) => property !== existing),
      });
    }
    return;
  }
  if (existing) {
    modeling.updateModdleProperties(element, existing, { value });
    return;
  }
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
  const property = create(bpmnFactory, 'camunda:Property', { name: PROPERTY, value }, properties);
  modeling.updateModdleProperties(element, properties, { values: [...properties.get('values'), property] });
}

function RemindersEntry(props) {
  const { element, id, labels } = props;
  const modeling = useService('modeling');
  const bpmnFactory = useService('bpmnFactory');
  const debounce = useService('debounceInput');
  return jsx(TextFieldEntry, {
    element,
    id,
    label: labels.reminders_label,
    description: labels.reminders_hint,
    debounce,
    getValue: () => {
      const property = reminderProperty(getBusinessObject(element));
      return (property && property.value) || '';
    },
    setValue: (value) => writePolicy(element, (value || '').trim(), modeling, bpmnFactory),
  });
}

class FallwerkPropertiesProvider {
  constructor(propertiesPanel, config) {
    this.labels = (config && config.labels) || {};
    propertiesPanel.registerProvider(PRIORITY, this);
  }

  getGroups(element) {
    return (groups) => {
      if (is(element, 'bpmn:UserTask')) {
        groups.push({
          id: 'fallwerk',
          label: this.labels.group_label || 'Fallwerk',
          entries: [{
            id: 'fallwerk-reminders',
            element,
            labels: this.labels,
            component: RemindersEntry,
            isEdited: isTextFieldEntryEdited,
          }],
        });
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
