-- Makes FerretDB 1.24's equality filters reach an index on its PostgreSQL backend.
--
-- FerretDB pushes `{field: value}` down as `_jsonb -> 'field' @> '"value"'` and its
-- createIndexes makes btree indexes on `(_jsonb -> 'field')`; a btree cannot serve `@>`, so
-- every find, count, update or delete with a filter (even on `_id`) reads the whole table.
-- This event trigger gives each field that FerretDB indexes a GIN index on the same
-- expression (jsonb_path_ops: the operator class for `@>`), created right after FerretDB's
-- own index; PostgreSQL then answers those filters from the index. Indexes go with their
-- table when FerretDB drops a collection. Installed by deploy/local/infra.sh, idempotent.
CREATE OR REPLACE FUNCTION callhooks_gin_for_ferretdb_indexes() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
  cmd record;
  tbl regclass;
  field text;
BEGIN
  FOR cmd IN SELECT objid FROM pg_event_trigger_ddl_commands() WHERE command_tag = 'CREATE INDEX' LOOP
    -- only FerretDB's btree indexes (ours are GIN: no recursion)
    SELECT i.indrelid::regclass INTO tbl
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
    WHERE i.indexrelid = cmd.objid AND am.amname = 'btree';
    CONTINUE WHEN tbl IS NULL;
    FOR field IN
      SELECT DISTINCT m[1]
      FROM regexp_matches(pg_get_indexdef(cmd.objid), $re$\(_jsonb -> '([^']+)'::text\)$re$, 'g') AS m
    LOOP
      EXECUTE format(
        'CREATE INDEX IF NOT EXISTS %I ON %s USING gin ((_jsonb -> %L) jsonb_path_ops)',
        left(md5(tbl::text || field), 20) || '_gin', tbl, field);
    END LOOP;
  END LOOP;
END
$$;

DROP EVENT TRIGGER IF EXISTS callhooks_gin_for_ferretdb_indexes;
CREATE EVENT TRIGGER callhooks_gin_for_ferretdb_indexes ON ddl_command_end
  WHEN TAG IN ('CREATE INDEX') EXECUTE FUNCTION callhooks_gin_for_ferretdb_indexes();
