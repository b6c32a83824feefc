/**
 * The lookups Tamr's own clients (tamr-unify-client 1.7, tamr-toolbox) make before they act:
 * `GET projects/{id}`, `GET projects/{id}/unifiedDataset`, `GET datasets/{id}`,
 * `GET datasets?filter=name==X`, and the `instance:login` that hands out an `authToken` cookie.
 * The resources are rendered the way those clients read them (`id`, `name`, `relativeId` …).
 */
import { randomBytes } from 'node:crypto';

/** Who changed a resource, when (ISO-8601) and at which version. */
export interface TamrStamp {
  readonly username: string;
  readonly time: string;
  readonly version: string;
}

/** A project as `GET /api/versioned/v1/projects/{id}` answers it. */
export interface TamrProject {
  readonly id: string;
  readonly externalId: string;
  readonly name: string;
  readonly description: string;
  readonly type: 'DEDUP';
  readonly unifiedDatasetName: string;
  readonly created: TamrStamp;
  readonly lastModified: TamrStamp;
  readonly relativeId: string;
}

/** A dataset as `GET /api/versioned/v1/datasets/{id}` answers it. */
export interface TamrDataset {
  readonly id: string;
  readonly externalId: boolean;
  readonly name: string;
  readonly description: string;
  readonly version: string;
  readonly keyAttributeNames: string[];
  readonly tags: string[];
  readonly created: TamrStamp;
  readonly lastModified: TamrStamp;
  readonly relativeId: string;
}

export interface TamrCatalogOptions {
  /** Known project ids; undefined accepts any. */
  readonly projects?: readonly string[];
  /** Known dataset ids; undefined accepts any. */
  readonly datasets?: readonly string[];
  readonly username: string;
  /** Simulator clock (ms); resources read as created at its time when the catalog is made. */
  readonly now: () => number;
}

const RESOURCE_ROOT = 'unify://unified-data/v1';

/** The id of a project's unified dataset (it is a dataset like any other: refreshable, readable). */
export const unifiedDatasetId = (projectId: string): string => `unified-${projectId}`;
const unifiedDatasetName = (projectId: string): string => `project_${projectId}_unified_dataset`;
const datasetName = (datasetId: string): string => `dataset_${datasetId}`;

export class TamrCatalog {
  /** Names a lookup by name introduced (when any dataset id is accepted, the name is the id). */
  private readonly namedDatasets = new Map<string, string>();
  private readonly tokens = new Set<string>();
  /** Every resource reads as created when the simulator started. */
  private readonly createdAt: number;

  constructor(private readonly options: TamrCatalogOptions) {
    this.createdAt = options.now();
  }

  isProject(id: string): boolean {
    return this.options.projects === undefined || this.options.projects.includes(id);
  }

  /** A dataset id is known when listed (or any is accepted), or when it is a known project's unified dataset. */
  isDataset(id: string): boolean {
    const project = /^unified-(.+)$/.exec(id)?.[1];
    if (project !== undefined && this.isProject(project)) return true;
    return this.options.datasets === undefined || this.options.datasets.includes(id) || this.namedDatasets.has(id);
  }

  project(id: string): TamrProject | undefined {
    if (!this.isProject(id)) return undefined;
    return {
      id: `${RESOURCE_ROOT}/projects/${id}`,
      externalId: `project-${id}`,
      name: `project_${id}`,
      description: `Mastering project ${id}`,
      type: 'DEDUP',
      unifiedDatasetName: unifiedDatasetName(id),
      created: this.stamp(),
      lastModified: this.stamp(),
      relativeId: `projects/${id}`,
    };
  }

  unifiedDataset(projectId: string): TamrDataset | undefined {
    return this.isProject(projectId) ? this.dataset(unifiedDatasetId(projectId)) : undefined;
  }

  dataset(id: string): TamrDataset | undefined {
    if (!this.isDataset(id)) return undefined;
    const project = /^unified-(.+)$/.exec(id)?.[1];
    const name = project !== undefined && this.isProject(project) ? unifiedDatasetName(project) : (this.namedDatasets.get(id) ?? datasetName(id));
    return {
      id: `${RESOURCE_ROOT}/datasets/${id}`,
      externalId: false,
      name,
      description: '',
      version: '1',
      keyAttributeNames: [project !== undefined ? 'tamr_id' : 'id'],
      tags: [],
      created: this.stamp(),
      lastModified: this.stamp(),
      relativeId: `datasets/${id}`,
    };
  }

  /**
   * `GET datasets?filter=name==X`: the datasets with that name (the clients' `by_name`). Names are
   * `dataset_<id>` and `project_<id>_unified_dataset`; when any id is accepted, any other name is
   * a dataset whose id is that name, so a script's own dataset names work unchanged.
   */
  datasetsNamed(name: string): TamrDataset[] {
    const unified = /^project_(.+)_unified_dataset$/.exec(name)?.[1];
    if (unified !== undefined) return this.present(this.unifiedDataset(unified));
    const byId = /^dataset_(.+)$/.exec(name)?.[1];
    if (byId !== undefined && this.isDataset(byId)) return this.present(this.dataset(byId));
    if (this.options.datasets !== undefined) return [];
    this.namedDatasets.set(name, name);
    return this.present(this.dataset(name));
  }

  /** `POST instance:login` with the right user and password: a new token for the `authToken` cookie. */
  login(): string {
    const token = `tamr-sim-${randomBytes(12).toString('hex')}`;
    this.tokens.add(token);
    return token;
  }

  /** Whether a `Cookie` header carries a token this simulator handed out. */
  hasSessionCookie(cookie: string | undefined): boolean {
    if (!cookie) return false;
    return cookie.split(';').some((part) => {
      const [key, ...value] = part.trim().split('=');
      return key === 'authToken' && this.tokens.has(value.join('='));
    });
  }

  private present(dataset: TamrDataset | undefined): TamrDataset[] {
    return dataset ? [dataset] : [];
  }

  private stamp(): TamrStamp {
    return { username: this.options.username, time: new Date(this.createdAt).toISOString(), version: '1' };
  }
}
