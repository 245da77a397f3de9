import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Robot grants name their project by id, not by name: a grant keyed by name outlived its
 * project and covered whatever project was created later under the same name, by anyone. The
 * grant now goes with its project (ON DELETE CASCADE); '*' (every project, system robots) is a
 * NULL project. Grants whose project is already gone are dropped: they could only ever have
 * matched a stranger's project. The API still speaks names: they are read through the join.
 */
export class RobotGrantsByProjectId1765020000000 implements MigrationInterface {
  name = 'RobotGrantsByProjectId1765020000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE robot_permission ADD COLUMN project_id INTEGER REFERENCES project(project_id) ON DELETE CASCADE;
      UPDATE robot_permission rp SET project_id = p.project_id FROM project p WHERE rp.namespace <> '*' AND p.name = rp.namespace;
      DELETE FROM robot_permission WHERE namespace <> '*' AND project_id IS NULL;
      ALTER TABLE robot_permission DROP COLUMN namespace;
      CREATE INDEX robot_permission_project_idx ON robot_permission (project_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE robot_permission ADD COLUMN namespace VARCHAR(255);
      UPDATE robot_permission rp SET namespace = COALESCE((SELECT p.name FROM project p WHERE p.project_id = rp.project_id), '*');
      ALTER TABLE robot_permission ALTER COLUMN namespace SET NOT NULL;
      DROP INDEX robot_permission_project_idx;
      ALTER TABLE robot_permission DROP COLUMN project_id;
    `);
  }
}
