/** The job's state names by role: part of the contract with the local tools (lib/contract/state-roles.ts). */
export type { JobStateNames } from '../../contract/state-roles';
