/** `g`: a global label (system admins manage it, any artifact may carry it); `p`: a project's own label. */
export type LabelScope = 'g' | 'p';

/** Harbor's Label; `project_id` is 0 for a global label, as Harbor answers. */
export interface Label {
  id: number;
  name: string;
  description: string;
  color: string;
  scope: LabelScope;
  project_id: number;
  creation_time: Date;
  update_time: Date;
}

export interface NewLabel {
  name: string;
  description?: string;
  color?: string;
  scope: LabelScope;
  /** required for scope `p`, ignored for `g` */
  projectId?: number;
}

export interface LabelChange {
  name?: string;
  description?: string;
  color?: string;
}

export interface LabelFilter {
  scope: LabelScope;
  projectId?: number;
  /** a substring of the name */
  name?: string;
  offset: number;
  limit: number;
}

/** An artifact a label can go on. */
export interface LabelledArtifact {
  id: number;
  projectId: number;
  digest: string;
}
