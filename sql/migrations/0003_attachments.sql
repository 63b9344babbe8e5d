-- How each VM NIC is attached on its hypervisor, as the hypervisor's agent last reported it
-- (HostStatusReport.attachments): replaced as a whole with each report of that host, served per
-- VM NIC in the materialization once the host has applied the generation that materialization
-- needs there (plumb.materialization_record). Keyed by what the agent names (materialization id,
-- VM, NIC), not by allocation rows, so that a report never fails on a NIC released meanwhile.
CREATE TABLE plumb.vm_nic_attachments (
    hypervisor      text  NOT NULL REFERENCES plumb.hypervisors (name) ON DELETE CASCADE,
    materialization text  NOT NULL,
    vm              text  NOT NULL,
    nic             text  NOT NULL,
    attachment      jsonb NOT NULL,
    PRIMARY KEY (hypervisor, materialization, vm, nic)
);
