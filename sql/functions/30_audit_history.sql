-- The history triggers: every allocation, release and freeing of an identifier is written to
-- plumb.allocation_history (migration 0001) by the database itself.

-- The identifiers each allocation row holds, as (kind, value, scope, holder). One definition
-- per table, used by the history triggers and by the views below alike.
-- r is the row of allocation table p_table as jsonb.
CREATE FUNCTION plumb.allocation_items(p_table text, r jsonb)
RETURNS TABLE (kind text, value text, scope text, holder text) LANGUAGE sql IMMUTABLE AS $$
    SELECT i.kind, i.value, i.scope, i.holder
    FROM (VALUES
        ('networks', 'vni', r->>'vni', '', 'network ' || (r->>'name')),
        ('network_vlans', 'vlan', r->>'vlan', r->>'leaf', 'network ' || (r->>'network')),
        ('vm_nics', 'mac', plumb.mac_text((r->>'mac')::bigint), '', (r->>'vm') || '/' || (r->>'nic')),
        ('vm_nics', 'tap', r->>'tap', r->>'hypervisor', (r->>'vm') || '/' || (r->>'nic')),
        ('vm_nics', 'vf', r->>'vf_index', (r->>'hypervisor') || '/' || (r->>'pf'), (r->>'vm') || '/' || (r->>'nic')),
        ('vm_nics', 'passthrough', CASE WHEN r->>'mechanism' = 'passthrough' THEN r->>'pf' END, r->>'hypervisor',
         (r->>'vm') || '/' || (r->>'nic'))
    ) AS i (tbl, kind, value, scope, holder)
    WHERE i.tbl = p_table AND i.value IS NOT NULL
$$;

-- The name of a materialization, also once its row is gone (freed by cascade).
CREATE FUNCTION plumb.materialization_name(p_mid bigint) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT m.id FROM plumb.materializations m WHERE m.mid = p_mid),
                    (SELECT h.materialization FROM plumb.allocation_history h WHERE h.mid = p_mid LIMIT 1),
                    '#' || p_mid)
$$;

-- Allocated / freed: statement-level triggers with transition tables (one insert per statement,
-- however many rows).
CREATE FUNCTION plumb.record_allocations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO plumb.allocation_history (event, kind, value, scope, materialization, mid, holder)
    SELECT CASE TG_OP WHEN 'INSERT' THEN 'allocated' ELSE 'freed' END, i.kind, i.value, i.scope,
           plumb.materialization_name(r.mid), r.mid, i.holder
    FROM changed r, LATERAL plumb.allocation_items(TG_TABLE_NAME, to_jsonb(r)) i;
    RETURN NULL;
END $$;

CREATE TRIGGER networks_allocated AFTER INSERT ON plumb.networks
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION plumb.record_allocations();
CREATE TRIGGER networks_freed AFTER DELETE ON plumb.networks
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION plumb.record_allocations();
CREATE TRIGGER network_vlans_allocated AFTER INSERT ON plumb.network_vlans
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION plumb.record_allocations();
CREATE TRIGGER network_vlans_freed AFTER DELETE ON plumb.network_vlans
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION plumb.record_allocations();
CREATE TRIGGER vm_nics_allocated AFTER INSERT ON plumb.vm_nics
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION plumb.record_allocations();
CREATE TRIGGER vm_nics_freed AFTER DELETE ON plumb.vm_nics
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION plumb.record_allocations();

-- Every identifier of a materialization, whatever table holds it.
CREATE VIEW plumb.materialization_items AS
    SELECT r.mid, i.* FROM plumb.networks r, LATERAL plumb.allocation_items('networks', to_jsonb(r)) i
    UNION ALL
    SELECT r.mid, i.* FROM plumb.network_vlans r, LATERAL plumb.allocation_items('network_vlans', to_jsonb(r)) i
    UNION ALL
    SELECT r.mid, i.* FROM plumb.vm_nics r, LATERAL plumb.allocation_items('vm_nics', to_jsonb(r)) i;

-- Released: the materialization was deleted; its identifiers are quarantined. (A row trigger, so
-- that the lookup by mid uses the indexes.)
CREATE FUNCTION plumb.record_release() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO plumb.allocation_history (event, kind, value, scope, materialization, mid, holder)
    SELECT 'released', i.kind, i.value, i.scope, NEW.id, NEW.mid, i.holder
    FROM plumb.materialization_items i
    WHERE i.mid = NEW.mid;
    RETURN NULL;
END $$;
CREATE TRIGGER materializations_released AFTER UPDATE OF state ON plumb.materializations
    FOR EACH ROW WHEN (OLD.state = 'active' AND NEW.state = 'released') EXECUTE FUNCTION plumb.record_release();

