"""The template of a new process: start event, one user task with a form for one group, end event, DI."""

from __future__ import annotations


def template_xml(key: str, name: str) -> str:
    """A minimal valid process: start event, one user task with a form for one group, end event, DI."""
    quoted = (
        name.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )
    return _TEMPLATE.format(key=key, name=quoted)


_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
                  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
                  xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
                  id="{key}_definitions" targetNamespace="https://fallwerk.example/bpmn">
  <bpmn:process id="{key}" name="{name}" isExecutable="true" camunda:candidateStarterGroups="employee">
    <bpmn:startEvent id="start" name="Fall angelegt">
      <bpmn:outgoing>flow_to_handle_case</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:userTask id="handle_case" name="Fall bearbeiten" camunda:candidateGroups="employee">
      <bpmn:extensionElements>
        <camunda:formData>
          <camunda:formField id="note" label="Vermerk" type="text">
            <camunda:validation>
              <camunda:constraint name="required" />
            </camunda:validation>
          </camunda:formField>
        </camunda:formData>
      </bpmn:extensionElements>
      <bpmn:incoming>flow_to_handle_case</bpmn:incoming>
      <bpmn:outgoing>flow_to_end</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end" name="Erledigt">
      <bpmn:incoming>flow_to_end</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="flow_to_handle_case" sourceRef="start" targetRef="handle_case" />
    <bpmn:sequenceFlow id="flow_to_end" sourceRef="handle_case" targetRef="end" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="{key}_diagram">
    <bpmndi:BPMNPlane id="{key}_plane" bpmnElement="{key}">
      <bpmndi:BPMNShape id="start_di" bpmnElement="start">
        <dc:Bounds x="152" y="102" width="36" height="36" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="handle_case_di" bpmnElement="handle_case">
        <dc:Bounds x="240" y="80" width="100" height="80" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="end_di" bpmnElement="end">
        <dc:Bounds x="392" y="102" width="36" height="36" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="flow_to_handle_case_di" bpmnElement="flow_to_handle_case">
        <di:waypoint x="188" y="120" />
        <di:waypoint x="240" y="120" />
      </bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="flow_to_end_di" bpmnElement="flow_to_end">
        <di:waypoint x="340" y="120" />
        <di:waypoint x="392" y="120" />
      </bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""
