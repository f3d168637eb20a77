"""BPMN made up for the safety tests: a long chain of user tasks."""

from __future__ import annotations


def chain_bpmn(tasks: int, key: str = "long_chain") -> bytes:
    """A process of ``tasks`` user tasks one after another (plus a start and an end event)."""
    nodes, flows, previous = [], [], "start_event"
    for i in range(tasks):
        nodes.append(f'<bpmn:userTask id="step_{i}" name="Schritt {i}" camunda:candidateGroups="employee" />')
        flows.append(f'<bpmn:sequenceFlow id="flow_{i}" sourceRef="{previous}" targetRef="step_{i}" />')
        previous = f"step_{i}"
    flows.append(f'<bpmn:sequenceFlow id="flow_end" sourceRef="{previous}" targetRef="end_event" />')
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d_{key}" targetNamespace="https://fallwerk.example/tests">
  <bpmn:process id="{key}" name="Lange Kette" isExecutable="true" camunda:candidateStarterGroups="employee">
    <bpmn:startEvent id="start_event" />
    {"".join(nodes)}
    <bpmn:endEvent id="end_event" />
    {"".join(flows)}
  </bpmn:process>
</bpmn:definitions>
""".encode()
