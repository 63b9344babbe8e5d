-- plumb.materialize works on arrays unnested inside its statements, which PostgreSQL estimates at
-- 10 rows whatever their size. With the candidate NICs inlined, it planned nested loops that
-- recomputed the candidate set (the pf_state view over every host NIC) once per wanted NIC and
-- anti-joined it against every requested NIC each time: 14 s of one statement for a 2,000-NIC
-- experiment (plumb-bench materialize). Computing each candidate set once makes that one pass.
DO $$
DECLARE
    v_definition text := pg_get_functiondef('plumb.materialize(text, jsonb, text, interval)'::regprocedure);
    v_patched text := replace(v_definition, 'candidates AS (', 'candidates AS MATERIALIZED (');
BEGIN
    IF v_patched = v_definition THEN
        RAISE EXCEPTION 'plumb.materialize has no candidates CTE to materialize';
    END IF;
    EXECUTE v_patched;
END $$;
