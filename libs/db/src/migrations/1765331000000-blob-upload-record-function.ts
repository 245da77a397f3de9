import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `wharf_blob_upload_record(project, digest, size, content type, existing id)`: a blob stored
 * by a push, a proxy-cache fetch or adoption recorded and linked (BlobStore.register, its only
 * caller) in one statement instead of two: the
 * blob's row (written after its bytes, never bringing back a row GC is deleting: SQLSTATE WB001;
 * `existing id`: the row found before the write, touched again only while still usable) and its
 * charge to the project (`wharf_quota_charge`, which raises WQ001 beyond the limit), in one
 * transaction with a synchronous commit: a 201 for a blob is durable. As
 * `wharf_manifest_blob_record` does for a manifest's own blob, which commits without the flush
 * wait because the push's own transaction follows it.
 */
export class BlobUploadRecordFunction1765331000000 implements MigrationInterface {
  name = 'BlobUploadRecordFunction1765331000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
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
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP FUNCTION wharf_blob_upload_record(integer, varchar, bigint, varchar, bigint)');
  }
}
