-- Name search and list totals that an index answers alone.
--
-- A substring filter over a trigram index still reads and rechecks every matching heap row:
-- at 1% of 100,000 instances that is 1,000 scattered pages, twice (count, then page). Here
-- every suffix of a lowercased name is a row of a narrow table whose btree holds the
-- suffix, create_time and id: "name contains p" is the range of suffixes that start with p,
-- counted and ordered from the index without touching the resource's table.
--
-- Unfiltered lists show a total that a count(*) over the whole table would give. The
-- statement triggers below append each statement's change to row_count_deltas instead: a
-- single counter row would serialise every create and delete on its lock (and deadlock a
-- create against a destroy that touch the tables in the opposite order). Reconciliation
-- folds the deltas into one row per table now and then, so the sum stays short.

CREATE FUNCTION name_suffixes(name text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT substr(n, k) FROM lower(name) n, generate_series(1, length(n)) k $$;

-- The first string after all those that start with p, in "C" order: p with its last
-- character one code point higher (past the surrogates, which text cannot hold; none after
-- U+10FFFF, a noncharacter no name contains).
CREATE FUNCTION prefix_upper_bound(p text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT left(p, -1) || chr(CASE ascii(right(p, 1)) WHEN 55295 THEN 57344 WHEN 1114111 THEN NULL ELSE ascii(right(p, 1)) + 1 END) $$;

CREATE TABLE row_count_deltas (
    delta_id    bigserial PRIMARY KEY,
    table_name  text NOT NULL,
    delta       bigint NOT NULL
);
CREATE INDEX row_count_deltas_table ON row_count_deltas (table_name) INCLUDE (delta);

CREATE TABLE instance_name_suffixes (
    suffix       text COLLATE "C" NOT NULL,
    create_time  timestamptz NOT NULL,
    instance_id  text NOT NULL
);
CREATE INDEX instance_name_suffixes_suffix ON instance_name_suffixes (suffix) INCLUDE (create_time, instance_id);
CREATE INDEX instance_name_suffixes_instance ON instance_name_suffixes (instance_id);

CREATE TABLE volume_name_suffixes (
    suffix       text COLLATE "C" NOT NULL,
    create_time  timestamptz NOT NULL,
    volume_id    text NOT NULL
);
CREATE INDEX volume_name_suffixes_suffix ON volume_name_suffixes (suffix) INCLUDE (create_time, volume_id);
CREATE INDEX volume_name_suffixes_volume ON volume_name_suffixes (volume_id);

CREATE TABLE nic_name_suffixes (
    suffix       text COLLATE "C" NOT NULL,
    create_time  timestamptz NOT NULL,
    nic_id       text NOT NULL
);
CREATE INDEX nic_name_suffixes_suffix ON nic_name_suffixes (suffix) INCLUDE (create_time, nic_id);
CREATE INDEX nic_name_suffixes_nic ON nic_name_suffixes (nic_id);

-- Statement-level triggers with transition tables: a bulk INSERT … SELECT writes its
-- suffixes in one set-based statement, not one trigger call per row. One function serves the
-- three tables; its arguments name the suffix table, the key column and the name column
-- (constants of this file, quoted with %I all the same).
CREATE FUNCTION index_names() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    suffixes text := TG_ARGV[0];
    id text := TG_ARGV[1];
    name text := TG_ARGV[2];
BEGIN
    IF TG_OP = 'INSERT' THEN
        EXECUTE format('INSERT INTO %1$I (suffix, create_time, %2$I) SELECT s, r.create_time, r.%2$I FROM new_rows r, name_suffixes(r.%3$I) s',
                       suffixes, id, name);
        INSERT INTO row_count_deltas (table_name, delta) SELECT TG_TABLE_NAME, count(*) FROM new_rows HAVING count(*) > 0;
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE format('DELETE FROM %1$I s USING old_rows o WHERE s.%2$I = o.%2$I', suffixes, id);
        INSERT INTO row_count_deltas (table_name, delta) SELECT TG_TABLE_NAME, -count(*) FROM old_rows HAVING count(*) > 0;
    ELSE
        -- Status and host changes are most updates; only a renamed row is re-indexed.
        EXECUTE format('DELETE FROM %1$I s USING old_rows o JOIN new_rows n USING (%2$I) '
                       'WHERE s.%2$I = o.%2$I AND (o.%3$I, o.create_time) IS DISTINCT FROM (n.%3$I, n.create_time)',
                       suffixes, id, name);
        EXECUTE format('INSERT INTO %1$I (suffix, create_time, %2$I) '
                       'SELECT s, n.create_time, n.%2$I FROM old_rows o JOIN new_rows n USING (%2$I), name_suffixes(n.%3$I) s '
                       'WHERE (o.%3$I, o.create_time) IS DISTINCT FROM (n.%3$I, n.create_time)',
                       suffixes, id, name);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER instances_after_insert AFTER INSERT ON instances REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION index_names('instance_name_suffixes', 'instance_id', 'instance_name');
CREATE TRIGGER instances_after_update AFTER UPDATE ON instances REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION index_names('instance_name_suffixes', 'instance_id', 'instance_name');
CREATE TRIGGER instances_after_delete AFTER DELETE ON instances REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION index_names('instance_name_suffixes', 'instance_id', 'instance_name');

CREATE TRIGGER volumes_after_insert AFTER INSERT ON volumes REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION index_names('volume_name_suffixes', 'volume_id', 'volume_name');
CREATE TRIGGER volumes_after_update AFTER UPDATE ON volumes REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION index_names('volume_name_suffixes', 'volume_id', 'volume_name');
CREATE TRIGGER volumes_after_delete AFTER DELETE ON volumes REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION index_names('volume_name_suffixes', 'volume_id', 'volume_name');

CREATE TRIGGER nics_after_insert AFTER INSERT ON network_interfaces REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION index_names('nic_name_suffixes', 'nic_id', 'nic_name');
CREATE TRIGGER nics_after_update AFTER UPDATE ON network_interfaces REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION index_names('nic_name_suffixes', 'nic_id', 'nic_name');
CREATE TRIGGER nics_after_delete AFTER DELETE ON network_interfaces REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION index_names('nic_name_suffixes', 'nic_id', 'nic_name');

-- TRUNCATE fires no row or delete triggers: refuse it rather than let the counts and
-- suffixes go stale.
CREATE FUNCTION refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'TRUNCATE % would leave its name search and count stale; DELETE instead', TG_TABLE_NAME
        USING ERRCODE = 'feature_not_supported';
END $$;
CREATE TRIGGER instances_no_truncate BEFORE TRUNCATE ON instances FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
CREATE TRIGGER volumes_no_truncate BEFORE TRUNCATE ON volumes FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
CREATE TRIGGER nics_no_truncate BEFORE TRUNCATE ON network_interfaces FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();

-- What the tables already hold.
INSERT INTO row_count_deltas (table_name, delta)
VALUES ('instances', (SELECT count(*) FROM instances)),
       ('volumes', (SELECT count(*) FROM volumes)),
       ('network_interfaces', (SELECT count(*) FROM network_interfaces));
INSERT INTO instance_name_suffixes (suffix, create_time, instance_id)
SELECT s, r.create_time, r.instance_id FROM instances r, name_suffixes(r.instance_name) s;
INSERT INTO volume_name_suffixes (suffix, create_time, volume_id)
SELECT s, r.create_time, r.volume_id FROM volumes r, name_suffixes(r.volume_name) s;
INSERT INTO nic_name_suffixes (suffix, create_time, nic_id)
SELECT s, r.create_time, r.nic_id FROM network_interfaces r, name_suffixes(r.nic_name) s;

-- The trigram indexes served only the name filters.
DROP INDEX instances_name_trgm;
DROP INDEX volumes_name_trgm;
DROP INDEX nics_name_trgm;
