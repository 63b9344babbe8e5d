-- Guarantees the tables cannot state as constraints: PF use, append-only history, allocation rows
-- that are never edited, materializations that only go from active to released.

-- A PF is passed through whole or carries VFs, never both; a VF index stays below the PF's limit.
-- (Checked again here so that no writer can get around it.)
CREATE FUNCTION plumb.check_pf_use() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_problem text;
BEGIN
    SELECT format('PF %s of %s is both passed through and carrying VFs', n.pf, n.hypervisor) INTO v_problem
    FROM inserted n
    WHERE n.pf IS NOT NULL
      AND EXISTS (SELECT 1 FROM plumb.vm_nics o
                  WHERE o.hypervisor = n.hypervisor AND o.pf = n.pf AND o.mechanism <> n.mechanism)
    LIMIT 1;
    IF v_problem IS NULL THEN
        SELECT format('VF %s of %s/%s is not below the VF limit %s', n.vf_index, n.hypervisor, n.pf, h.vf_limit) INTO v_problem
        FROM inserted n JOIN plumb.host_nics h ON h.hypervisor = n.hypervisor AND h.name = n.pf
        WHERE n.vf_index >= h.vf_limit
        LIMIT 1;
    END IF;
    IF v_problem IS NOT NULL THEN
        RAISE EXCEPTION '%', v_problem USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER vm_nics_pf_use AFTER INSERT ON plumb.vm_nics
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION plumb.check_pf_use();

-- Refuses the change it is attached to; the argument says why.
CREATE FUNCTION plumb.forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on %.% is not allowed: %', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_ARGV[0]
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER allocation_history_append_only BEFORE UPDATE OR DELETE ON plumb.allocation_history
    FOR EACH ROW EXECUTE FUNCTION plumb.forbid_change('the allocation history is append-only');
CREATE TRIGGER allocation_history_no_truncate BEFORE TRUNCATE ON plumb.allocation_history
    FOR EACH STATEMENT EXECUTE FUNCTION plumb.forbid_change('the allocation history is append-only');

-- Allocation rows never change in place: a value is allocated, released and freed, never edited.
CREATE TRIGGER networks_immutable BEFORE UPDATE ON plumb.networks
    FOR EACH ROW EXECUTE FUNCTION plumb.forbid_change('allocations are never edited');
CREATE TRIGGER network_vlans_immutable BEFORE UPDATE ON plumb.network_vlans
    FOR EACH ROW EXECUTE FUNCTION plumb.forbid_change('allocations are never edited');
CREATE TRIGGER vm_nics_immutable BEFORE UPDATE ON plumb.vm_nics
    FOR EACH ROW EXECUTE FUNCTION plumb.forbid_change('allocations are never edited');
CREATE TRIGGER networks_no_truncate BEFORE TRUNCATE ON plumb.networks
    FOR EACH STATEMENT EXECUTE FUNCTION plumb.forbid_change('allocations are freed row by row, with a record');
CREATE TRIGGER network_vlans_no_truncate BEFORE TRUNCATE ON plumb.network_vlans
    FOR EACH STATEMENT EXECUTE FUNCTION plumb.forbid_change('allocations are freed row by row, with a record');
CREATE TRIGGER vm_nics_no_truncate BEFORE TRUNCATE ON plumb.vm_nics
    FOR EACH STATEMENT EXECUTE FUNCTION plumb.forbid_change('allocations are freed row by row, with a record');
CREATE TRIGGER materializations_no_truncate BEFORE TRUNCATE ON plumb.materializations
    FOR EACH STATEMENT EXECUTE FUNCTION plumb.forbid_change('allocations are freed row by row, with a record');

-- A materialization goes from active to released once; nothing else about it changes.
CREATE FUNCTION plumb.check_materialization_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT (OLD.state = 'active' AND NEW.state = 'released' AND NEW.mid = OLD.mid AND NEW.id = OLD.id
            AND NEW.spec = OLD.spec AND NEW.created_at = OLD.created_at) THEN
        RAISE EXCEPTION 'a materialization may only go from active to released' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER materializations_update BEFORE UPDATE ON plumb.materializations
    FOR EACH ROW EXECUTE FUNCTION plumb.check_materialization_update();
