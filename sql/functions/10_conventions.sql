-- Conventions every writing function follows: how a refusal is raised, how a change begins,
-- how times are written on the wire.
--
-- Refusals are raised with SQLSTATE 'PL<http status>' (PL400, PL404, PL409, PL422), the message
-- for a person, and DETAIL = {"code": ..., "field": ...}: the controller turns them into API errors.
-- A refusal aborts the transaction, so a refused request allocates nothing.

CREATE FUNCTION plumb.refuse(p_status int, p_code text, p_message text, p_field text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'PL' || p_status::text, MESSAGE = p_message,
        DETAIL = jsonb_build_object('code', p_code, 'field', p_field)::text;
END $$;

-- Raises the first problem of a list of (ordering, status, code, message, field).
CREATE FUNCTION plumb.refuse_first(p_problems jsonb) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v jsonb;
BEGIN
    SELECT e INTO v FROM jsonb_array_elements(p_problems) e
    ORDER BY (e->>'o1')::int, (e->>'o2')::int, (e->>'o3')::int LIMIT 1;
    IF v IS NOT NULL THEN
        PERFORM plumb.refuse((v->>'status')::int, v->>'code', v->>'message', v->>'field');
    END IF;
END $$;

CREATE FUNCTION plumb.problem(o1 int, o2 int, o3 int, status int, code text, message text, field text)
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_object('o1', o1, 'o2', o2, 'o3', o3, 'status', status, 'code', code, 'message', message, 'field', field)
$$;

-- How a change begins: concurrency by scope. Every writer names its actor and holds the facility
-- lock shared (a facility change holds it alone); then it locks the hosts it changes, in one fixed
-- order, so writers on disjoint hypervisors and leaves run in parallel and never deadlock. VNIs and MACs are claimed
-- value by value (MACs block by block) with try-locks: a writer skips what another is choosing.
--
-- Advisory lock keys (two int4): (7391102, 0) the facility; (7391103, hashtext('kind:name')) a host;
-- (7391104, vni) a VNI; one bigint 7391105 * 2^32 + block for a block of 256 pool MACs.

-- Every change starts here: READ COMMITTED (each later statement sees what was committed before the
-- locks were granted), the actor for the audit history, the facility lock.
CREATE FUNCTION plumb.begin_change(p_actor text, p_facility_change boolean DEFAULT false) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'plumb changes run in READ COMMITTED transactions, not %', current_setting('transaction_isolation');
    END IF;
    PERFORM set_config('plumb.actor', p_actor, true);
    IF p_facility_change THEN
        PERFORM pg_advisory_xact_lock(7391102, 0);
    ELSE
        PERFORM pg_advisory_xact_lock_shared(7391102, 0);
    END IF;
END $$;

-- Locks the hosts ('hypervisor:NAME', 'leaf:NAME') a change touches, in the one global order.
CREATE FUNCTION plumb.lock_hosts(p_hosts text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_key int;
BEGIN
    FOR v_key IN SELECT DISTINCT hashtext(h) FROM unnest(p_hosts) h ORDER BY 1 LOOP
        PERFORM pg_advisory_xact_lock(7391103, v_key);
    END LOOP;
END $$;

-- Timestamps in the wire form (ISO 8601, UTC, whole seconds).
CREATE FUNCTION plumb.iso(p_time timestamptz) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT to_char(p_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;
