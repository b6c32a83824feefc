/**
 * How a Map iteration is named in history and progress output: by its item
 * (`Load source [src_crm_accounts]`), which says which source failed, rather than by its index
 * (`[item 0]`). Every iteration's data holds its item at `$.item` (the fan-out's ItemSelector);
 * the runner records it on the iteration's own events (MapIterationStarted/…Failed), which carry
 * no state data.
 */
import type { HistoryEvent } from './runner';

/** An item as a label: a string as is, anything else as short JSON. */
function itemText(item: unknown): string {
  const text = typeof item === 'string' ? item : JSON.stringify(item);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/** The item an event belongs to, when it is in a Map iteration (`undefined` outside one). */
export function iterationItem(event: HistoryEvent): string | undefined {
  if (event.index === undefined) return undefined;
  const recorded = event.item;
  if (typeof recorded === 'string') return recorded;
  const data = (event.state?.input ?? event.state?.output ?? event.input) as { item?: unknown } | undefined;
  return data && typeof data === 'object' && 'item' in data && data.item !== undefined ? itemText(data.item) : undefined;
}

/** `src_crm_accounts`, or `item 3` when the event does not say. */
export function iterationLabel(event: HistoryEvent): string | undefined {
  if (event.index === undefined) return undefined;
  return iterationItem(event) ?? `item ${event.index}`;
}

/** ` [src_crm_accounts]` after a state's name, or nothing outside a Map. */
export function iterationSuffix(event: HistoryEvent): string {
  const label = iterationLabel(event);
  return label === undefined ? '' : ` [${label}]`;
}

/**
 * Gives MapIteration* events their item (kept by Map and index from MapIterationStarted, whose
 * input is the iteration's): one per execution, fed every event in order.
 */
export function iterationItems(): (event: HistoryEvent) => HistoryEvent {
  const items = new Map<string, string>();
  return (event) => {
    if (!event.type.startsWith('MapIteration') || event.index === undefined) return event;
    const key = `${(event.parentState as { name?: string } | undefined)?.name ?? ''}#${event.index}`;
    const item = event.type === 'MapIterationStarted' ? iterationItem({ ...event, item: undefined }) : items.get(key);
    if (event.type === 'MapIterationStarted' && item !== undefined) items.set(key, item);
    return item === undefined ? event : { ...event, item };
  };
}
