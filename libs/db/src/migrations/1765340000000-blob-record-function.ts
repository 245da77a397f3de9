import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `wharf_blob_record(project, digest, size, content type, existing id, synchronous commit)`
 * replaces its two near-copies `wharf_blob_upload_record` (migration 1765331000000) and
 * `wharf_manifest_blob_record` (migration 1765321000000), which differed only in their commit:
 * a stored blob recorded and linked (BlobStore.register: a push's blob upload, a proxy-cache
 * fetch, adoption; BlobStore.recordAndCharge: a manifest's own blob) in one statement. The blob's
 * row (written after its bytes, never bringing back a row GC is deleting: SQLSTATE WB001;
 * `existing id`: the row found before the write, touched again only while still usable) and its
 * charge to the project (`wharf_quota_charge`, which raises WQ001 beyond the limit).
 *
 * `synchronous commit`: true leaves the commit as the session has it (synchronous: a 201 for a
 * blob is durable); false commits without waiting for a WAL flush, for a manifest's own blob: the
 * project row is then held exclusively only for that commit, and the push's own transaction,
 * committed synchronously after it (later in the WAL), makes it durable with itself.
 */
export class BlobRecordFunction1765340000000 implements MigrationInterface {
  name = 'BlobRecordFunction1765340000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION wharf_blob_record(p_project integer, p_digest varchar, p_size bigint, p_content_type varchar, p_existing bigint, p_synchronous_commit boolean)
      RETURNS TABLE (id bigint, size bigint, content_type varchar) LANGUAGE plpgsql AS $$
      DECLARE
        recorded bigint;
        recorded_size bigint;
        recorded_type varchar;
      BEGIN
        IF NOT p_synchronous_commit THEN
          PERFORM set_config('synchronous_commit', 'off', true);
        END IF;
        IF p_existing IS NOT NULL THEN
          UPDATE blob b SET status = 'none', version = b.version + 1, update_time = now(), content_type = COALESCE(p_content_type, b.content_type)
           WHERE b.id = p_existing AND b.status IN ('none', 'delete')
          RETURNING b.id, b.size, b.content_type INTO recorded, recorded_size, recorded_type;
        ELSE
          INSERT INTO blob AS b (digest, size, content_type) VALUES (p_digest, p_size, p_content_type)
          ON CONFLICT (digest) DO UPDATE SET status = 'none', version = b.version + 1, update_time = now(),
                                             content_type = COALESCE(EXCLUDED.content_type, b.content_type)
           WHERE b.status <> 'deleting'
          RETURNING b.id, b.size, b.content_type INTO recorded, recorded_size, recorded_type;
        END IF;
        IF recorded IS NULL THEN
          RAISE EXCEPTION 'blob collected' USING ERRCODE = 'WB001', DETAIL = json_build_object('digest', p_digest)::text;
        END IF;
        PERFORM wharf_quota_charge(p_project, ARRAY[recorded], ARRAY[recorded_size]);
        RETURN QUERY SELECT recorded, recorded_size, recorded_type;
      END
      $$;

      DROP FUNCTION wharf_blob_upload_record(integer, varchar, bigint, varchar, bigint);
      DROP FUNCTION wharf_manifest_blob_record(integer, varchar, bigint, varchar, bigint);
    `);
  }

  /** the two functions as migrations 1765321000000 and 1765331000000 created them */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION wharf_manifest_blob_record(p_project integer, p_digest varchar, p_size bigint, p_content_type varchar, p_existing bigint)
      RETURNS bigint LANGUAGE plpgsql AS $$
      DECLARE
        recorded bigint;
        recorded_size bigint;
      BEGIN
        PERFORM set_config('synchronous_commit', 'off', true);
        IF p_existing IS NOT NULL THEN
          UPDATE blob SET status = 'none', version = version + 1, update_time = now(), content_type = COALESCE(p_content_type, content_type)
           WHERE id = p_existing AND status IN ('none', 'delete')
          RETURNING id, size INTO recorded, recorded_size;
        ELSE
          INSERT INTO blob (digest, size, content_type) VALUES (p_digest, p_size, p_content_type)
          ON CONFLICT (digest) DO UPDATE SET status = 'none', version = blob.version + 1, update_time = now(),
                                             content_type = COALESCE(EXCLUDED.content_type, blob.content_type)
           WHERE blob.status <> 'deleting'
          RETURNING id, size INTO recorded, recorded_size;
        END IF;
        IF recorded IS NULL THEN
          RAISE EXCEPTION 'blob collected' USING ERRCODE = 'WB001', DETAIL = json_build_object('digest', p_digest)::text;
        END IF;
        PERFORM wharf_quota_charge(p_project, ARRAY[recorded], ARRAY[recorded_size]);
        RETURN recorded;
      END
      $$;

      CREATE FUNCTION wharf_blob_upload_record(p_project integer, p_digest varchar, p_size bigint, p_content_type varchar, p_existing bigint)
      RETURNS TABLE (id bigint, size bigint, content_type varchar) LANGUAGE plpgsql AS $$
      DECLARE
        recorded bigint;
        recorded_size bigint;
        recorded_type varchar;
      BEGIN
        IF p_existing IS NOT NULL THEN
          UPDATE blob b SET status = 'none', version = b.version + 1, update_time = now(), content_type = COALESCE(p_content_type, b.content_type)
           WHERE b.id = p_existing AND b.status IN ('none', 'delete')
          RETURNING b.id, b.size, b.content_type INTO recorded, recorded_size, recorded_type;
        ELSE
          INSERT INTO blob AS b (digest, size, content_type) VALUES (p_digest, p_size, p_content_type)
          ON CONFLICT (digest) DO UPDATE SET status = 'none', version = b.version + 1, update_time = now(),
                                             content_type = COALESCE(EXCLUDED.content_type, b.content_type)
           WHERE b.status <> 'deleting'
          RETURNING b.id, b.size, b.content_type INTO recorded, recorded_size, recorded_type;
        END IF;
        IF recorded IS NULL THEN
          RAISE EXCEPTION 'blob collected' USING ERRCODE = 'WB001', DETAIL = json_build_object('digest', p_digest)::text;
        END IF;
        PERFORM wharf_quota_charge(p_project, ARRAY[recorded], ARRAY[recorded_size]);
        RETURN QUERY SELECT recorded, recorded_size, recorded_type;
      END
      $$;

      DROP FUNCTION wharf_blob_record(integer, varchar, bigint, varchar, bigint, boolean);
    `);
  }
}
