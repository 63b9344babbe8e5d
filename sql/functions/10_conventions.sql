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

-- Every change to allocations or generations starts here: it names the actor for the audit
-- history and serialises writers on one advisory lock, so that choosing free values never races.
-- Must be called in a READ COMMITTED transaction before anything is read: the statements after
-- it see everything committed before the lock was granted.
CREATE FUNCTION plumb.begin_change(p_actor text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'plumb changes run in READ COMMITTED transactions, not %', current_setting('transaction_isolation');
    END IF;
    PERFORM set_config('plumb.actor', p_actor, true);
    PERFORM pg_advisory_xact_lock(7391102001);
END $$;

-- Timestamps in the wire form (ISO 8601, UTC, whole seconds).
CREATE FUNCTION plumb.iso(p_time timestamptz) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT to_char(p_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;
