/** The slot table's attribute names: part of the contract (lib/contract/slot-table.ts). */
export { SLOT_COUNT, SLOT_LIMIT, SLOT_TABLE_KEY } from '../../lib/contract/slot-table';
