import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A manifest push (StoreManifestCommand.push in libs/artifacts, their only caller) in two
 * statements after its early checks, instead of eleven and three WAL flush waits:
 *
 * - `wharf_manifest_blob_record(project, digest, size, content type, existing id)`: the
 *   manifest's own `blob` row (written after its bytes, never bringing back a row GC is deleting:
 *   SQLSTATE WB001) and its charge to the project (`wharf_quota_charge`, which raises WQ001 beyond
 *   the limit), committed without waiting for a WAL flush. The project row is held exclusively
 *   only for that commit, no flush wait, so 16 pushes into one project no longer queue one
 *   flush each on it. Durable as soon as anything that depends on it is: the push's own commit,
 *   later in the WAL, waits for the flush of everything before it. A crash that loses it lost a
 *   push nobody was answered for (its bytes then lack a row, as after an api crash between the
 *   storage write and the row).
 * - `wharf_manifest_push(...)`: the push's transaction as one statement with a synchronous commit
 *   (a 201 is durable). Shared locks only: the project FOR KEY SHARE (refusing a proxy cache,
 *   WP001), every referenced blob and the manifest's own FOR SHARE in id order (each stored,
 *   linked to the project and of the size the manifest says, else WB002 / WB003; the manifest's
 *   own unlinked meanwhile: WB001), the repository FOR KEY SHARE (created when missing), the
 *   children of an index FOR NO KEY UPDATE in id order, as `linkChildren` takes them for the
 *   listed count's trigger (WR001 when one is missing); then the artifact and its
 *   `artifact_blob` rows, the index -> child rows, the tags (an immutable one that would move:
 *   WI001 naming it), the outbox events, and last the repository's `update_time`, skipped when
 *   another push holds that row right now (its stamp is as recent): no push waits on another's
 *   commit for it.
 *
 * Refusals raise with the details as JSON in DETAIL; the caller maps each to its protocol's error.
 */
export class ManifestPushFunctions1765321000000 implements MigrationInterface {
  name = 'ManifestPushFunctions1765321000000';

  async up(q: QueryRunner): Promise<void> {
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

      CREATE FUNCTION wharf_manifest_push(
        p_project integer, p_repository varchar, p_digest varchar, p_media_type varchar, p_artifact_type varchar,
        p_config_media_type varchar, p_subject varchar, p_size bigint, p_manifest bytea, p_annotations jsonb, p_type varchar,
        p_blobs varchar[], p_blob_sizes bigint[],
        p_children varchar[], p_child_platforms jsonb[], p_child_annotations jsonb[],
        p_tags varchar[], p_tag_may_move boolean[],
        p_event_types varchar[], p_event_projects varchar[], p_event_payloads jsonb[]
      ) RETURNS TABLE (repository_id integer, artifact_id bigint)
      LANGUAGE plpgsql AS $$
      #variable_conflict use_column
      DECLARE
        v_project record;
        v_child_ids bigint[];
        v_child_digests varchar[];
        v_repository integer;
        v_artifact bigint;
        v_refused record;
        v_missing varchar;
        v_tag varchar;
      BEGIN
        SELECT p.name, p.registry_id INTO v_project FROM project p WHERE p.project_id = p_project FOR KEY SHARE;
        IF v_project.registry_id IS NOT NULL THEN
          RAISE EXCEPTION 'proxy cache project' USING ERRCODE = 'WP001', DETAIL = json_build_object('name', v_project.name)::text;
        END IF;

        -- the blobs, FOR SHARE in id order in one statement: pushes sharing layers do not block each
        -- other, a GC claim waits for this commit and then sees the references written here
        SELECT w.digest, w.size AS wanted, f.size AS stored, f.linked INTO v_refused
          FROM unnest(p_blobs || p_digest, p_blob_sizes || NULL::bigint) AS w(digest, size)
          LEFT JOIN (
            SELECT b.digest, b.size,
                   EXISTS (SELECT 1 FROM project_blob pb WHERE pb.blob_id = b.id AND pb.project_id = p_project) AS linked
              FROM blob b WHERE b.digest = ANY(p_blobs || p_digest) AND b.status IN ('none', 'delete')
             ORDER BY b.id FOR SHARE OF b
          ) f ON f.digest = w.digest
         WHERE f.linked IS NOT TRUE OR (w.size IS NOT NULL AND w.size <> f.size)
         ORDER BY w.digest = p_digest DESC
         LIMIT 1;
        IF FOUND THEN
          IF v_refused.digest = p_digest THEN
            -- collected, or released by a concurrent delete since it was charged: stored and charged again
            RAISE EXCEPTION 'blob collected' USING ERRCODE = 'WB001', DETAIL = json_build_object('digest', p_digest)::text;
          ELSIF v_refused.linked IS NOT TRUE THEN
            RAISE EXCEPTION 'blob unknown' USING ERRCODE = 'WB002', DETAIL = json_build_object('digest', v_refused.digest)::text;
          ELSE
            RAISE EXCEPTION 'blob size' USING ERRCODE = 'WB003',
              DETAIL = json_build_object('digest', v_refused.digest, 'size', v_refused.wanted, 'stored', v_refused.stored)::text;
          END IF;
        END IF;

        -- KEY SHARE: other pushes into it go on side by side, a delete of it waits for this one
        LOOP
          SELECT r.repository_id INTO v_repository FROM repository r WHERE r.name = p_repository FOR KEY SHARE;
          EXIT WHEN FOUND;
          INSERT INTO repository (project_id, name) VALUES (p_project, p_repository)
          ON CONFLICT (name) DO NOTHING RETURNING repository.repository_id INTO v_repository;
          EXIT WHEN v_repository IS NOT NULL;
          -- another push created it meanwhile: its row is found on the next round
        END LOOP;

        INSERT INTO artifact_blob (digest_af, digest_blob) SELECT p_digest, unnest(p_digest || p_blobs) ON CONFLICT DO NOTHING;
        INSERT INTO artifact (project_id, repository_id, repository_name, digest, media_type, artifact_type, config_media_type,
                              subject_digest, size, manifest, annotations, type)
        VALUES (p_project, v_repository, p_repository, p_digest, p_media_type, p_artifact_type, p_config_media_type,
                p_subject, p_size, p_manifest, p_annotations, p_type)
        ON CONFLICT (repository_id, digest) DO UPDATE SET push_time = now()
        RETURNING id INTO v_artifact;

        IF cardinality(p_children) > 0 THEN
          -- a concurrent delete of a child waits for this push, then sees the reference. NO KEY
          -- UPDATE in id order: the lock the listed count's trigger takes on the children it
          -- recounts (migration 1765320000000), taken first so two index pushes sharing children
          -- never both hold a weaker one and upgrade it (as linkChildren does)
          SELECT coalesce(array_agg(a.id), '{}'), coalesce(array_agg(a.digest), '{}') INTO v_child_ids, v_child_digests
            FROM (SELECT id, digest FROM artifact WHERE repository_id = v_repository AND digest = ANY(p_children) ORDER BY id FOR NO KEY UPDATE) a;
          SELECT c.digest INTO v_missing FROM unnest(p_children) AS c(digest) WHERE NOT c.digest = ANY(v_child_digests) LIMIT 1;
          IF FOUND THEN
            RAISE EXCEPTION 'child unknown' USING ERRCODE = 'WR001', DETAIL = json_build_object('digest', v_missing)::text;
          END IF;
          INSERT INTO artifact_reference (parent_id, child_id, child_digest, platform, annotations)
          SELECT v_artifact, a.id, c.digest, c.platform, c.annotations
            FROM unnest(p_children, p_child_platforms, p_child_annotations) WITH ORDINALITY AS c(digest, platform, annotations, n)
            JOIN unnest(v_child_ids, v_child_digests) AS a(id, digest) ON a.digest = c.digest
           ORDER BY c.n
          ON CONFLICT (parent_id, child_id) DO NOTHING;
        END IF;

        -- a tag on this artifact is refreshed, one on another moves only when no immutability rule protects it
        FOR i IN 1 .. coalesce(cardinality(p_tags), 0) LOOP
          INSERT INTO tag (repository_id, artifact_id, name) VALUES (v_repository, v_artifact, p_tags[i])
          ON CONFLICT (repository_id, name) DO UPDATE SET artifact_id = EXCLUDED.artifact_id, push_time = now()
           WHERE p_tag_may_move[i] OR tag.artifact_id = EXCLUDED.artifact_id
          RETURNING name INTO v_tag;
          IF NOT FOUND THEN
            RAISE EXCEPTION 'immutable tag' USING ERRCODE = 'WI001', DETAIL = json_build_object('tag', p_tags[i])::text;
          END IF;
        END LOOP;

        INSERT INTO event_outbox (event_type, project_name, payload)
        SELECT e.type, e.project, e.payload FROM unnest(p_event_types, p_event_projects, p_event_payloads) WITH ORDINALITY AS e(type, project, payload, n)
         ORDER BY e.n;

        UPDATE repository r SET update_time = now()
         WHERE r.repository_id = (SELECT s.repository_id FROM repository s WHERE s.repository_id = v_repository FOR NO KEY UPDATE SKIP LOCKED);

        repository_id := v_repository;
        artifact_id := v_artifact;
        RETURN NEXT;
      END
      $$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP FUNCTION wharf_manifest_push(integer, varchar, varchar, varchar, varchar, varchar, varchar, bigint, bytea, jsonb, varchar,
        varchar[], bigint[], varchar[], jsonb[], jsonb[], varchar[], boolean[], varchar[], varchar[], jsonb[]);
      DROP FUNCTION wharf_manifest_blob_record(integer, varchar, bigint, varchar, bigint);
    `);
  }
}
