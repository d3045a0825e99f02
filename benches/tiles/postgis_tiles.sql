-- The urbis tile contract rendered by PostGIS, the usual way (as martin / pg_tileserv function
-- sources do): tables in EPSG:3857 with a GiST index, one ST_AsMVT(ST_AsMVTGeom(...)) per layer,
-- same layers in the same order, same attribute keys (NULL / empty values left out), same
-- extent (4096), same buffer (64 of 4096, clipped), same per-layer min zooms.
--
-- NIS codes are reduced to their digits as the encoder does (the real data holds URIs such as
-- https://databrussels.be/id/municipality/21004).
--
-- Input: the tables ogr2ogr loaded from the GeoPackage with -t_srs EPSG:3857 (municipalities,
-- addresses, buildings, streetaxes and, when the source has them, cadastralparcels).

CREATE TABLE t_municipalities AS
    SELECT geom, NULLIF(inspire_id::text, '') AS id, NULLIF(substring(niscode::text from '([0-9]+)(\.0*)?/?$'), '') AS nis,
           NULLIF(namefre::text, '') AS name_fr, NULLIF(namedut::text, '') AS name_nl
    FROM municipalities;
CREATE TABLE t_buildings AS
    SELECT geom, NULLIF(inspire_id::text, '') AS id, NULLIF(type::text, '') AS type
    FROM buildings;
CREATE TABLE t_streets AS
    SELECT geom, NULLIF(inspire_id::text, '') AS id, NULLIF(strnamefre::text, '') AS name_fr,
           NULLIF(strnamedut::text, '') AS name_nl, NULLIF(type::text, '') AS type
    FROM streetaxes;
CREATE TABLE t_addresses AS
    SELECT geom, NULLIF(inspire_id::text, '') AS id, NULLIF(policenum::text, '') AS housenumber,
           NULLIF(boxnumber::text, '') AS box, NULLIF(strnamefre::text, '') AS street_fr,
           NULLIF(strnamedut::text, '') AS street_nl, NULLIF(zipcode::text, '') AS postcode,
           NULLIF(substring(munniscode::text from '([0-9]+)(\.0*)?/?$'), '') AS municipality
    FROM addresses;
DO $$
BEGIN
    IF to_regclass('cadastralparcels') IS NOT NULL THEN
        CREATE TABLE t_parcels AS
            SELECT geom, NULLIF(inspire_id::text, '') AS id, NULLIF(capakey::text, '') AS capakey,
                   NULLIF(type::text, '') AS type, NULLIF(substring(munniscode::text from '([0-9]+)(\.0*)?/?$'), '') AS municipality
            FROM cadastralparcels;
    ELSE
        CREATE TABLE t_parcels (geom geometry(MultiPolygon, 3857), id text, capakey text,
                                type text, municipality text);
    END IF;
END $$;
CREATE INDEX ON t_municipalities USING gist (geom);
CREATE INDEX ON t_parcels USING gist (geom);
CREATE INDEX ON t_buildings USING gist (geom);
CREATE INDEX ON t_streets USING gist (geom);
CREATE INDEX ON t_addresses USING gist (geom);
VACUUM ANALYZE;

CREATE FUNCTION urbis_tile(z integer, x integer, y integer) RETURNS bytea
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    env geometry := ST_TileEnvelope(z, x, y);
    sel geometry := ST_TileEnvelope(z, x, y, margin => 64.0 / 4096);
    mvt bytea := '';
    part bytea;
BEGIN
    SELECT ST_AsMVT(q, 'municipalities', 4096, 'geom') INTO part FROM (
        SELECT ST_AsMVTGeom(geom, env, 4096, 64, true) AS geom, id, nis, name_fr, name_nl
        FROM t_municipalities WHERE geom && sel) q WHERE q.geom IS NOT NULL;
    mvt := mvt || COALESCE(part, '');
    IF z >= 15 THEN
        SELECT ST_AsMVT(q, 'parcels', 4096, 'geom') INTO part FROM (
            SELECT ST_AsMVTGeom(geom, env, 4096, 64, true) AS geom, id, capakey, type, municipality
            FROM t_parcels WHERE geom && sel) q WHERE q.geom IS NOT NULL;
        mvt := mvt || COALESCE(part, '');
    END IF;
    IF z >= 13 THEN
        SELECT ST_AsMVT(q, 'buildings', 4096, 'geom') INTO part FROM (
            SELECT ST_AsMVTGeom(geom, env, 4096, 64, true) AS geom, id, type
            FROM t_buildings WHERE geom && sel) q WHERE q.geom IS NOT NULL;
        mvt := mvt || COALESCE(part, '');
    END IF;
    IF z >= 10 THEN
        SELECT ST_AsMVT(q, 'streets', 4096, 'geom') INTO part FROM (
            SELECT ST_AsMVTGeom(geom, env, 4096, 64, true) AS geom, id, name_fr, name_nl, type
            FROM t_streets WHERE geom && sel) q WHERE q.geom IS NOT NULL;
        mvt := mvt || COALESCE(part, '');
    END IF;
    IF z >= 16 THEN
        SELECT ST_AsMVT(q, 'addresses', 4096, 'geom') INTO part FROM (
            SELECT ST_AsMVTGeom(geom, env, 4096, 64, true) AS geom, id, housenumber, box,
                   street_fr, street_nl, postcode, municipality
            FROM t_addresses WHERE geom && sel) q WHERE q.geom IS NOT NULL;
        mvt := mvt || COALESCE(part, '');
    END IF;
    RETURN mvt;
END $$;

-- Renders every tile of `tiles` once, timing each one inside the server (no client, no
-- network: the best case for PostGIS, leaving out what martin or pg_tileserv would add).
CREATE TABLE tiles (z integer, x integer, y integer);
CREATE TABLE results (z integer, x integer, y integer, ms double precision, bytes integer);
CREATE PROCEDURE render_all(keep boolean) LANGUAGE plpgsql AS $$
DECLARE
    r record;
    t0 timestamptz;
    b bytea;
BEGIN
    FOR r IN SELECT * FROM tiles LOOP
        t0 := clock_timestamp();
        b := urbis_tile(r.z, r.x, r.y);
        IF keep THEN
            INSERT INTO results VALUES (r.z, r.x, r.y,
                extract(epoch FROM clock_timestamp() - t0) * 1000.0, length(b));
        END IF;
    END LOOP;
END $$;
