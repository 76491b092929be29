/**
 * Prints a users listing as its pages arrive, so 10,000 users start scrolling after the first page and the
 * plugin never holds the whole list: a table (header once, each page aligned on its own, as kubectl's
 * `--chunk-size` output), or one kubectl `List` document written item by item (json or yaml) that parses as a
 * whole once the last page is in.
 */
import { stringify } from 'yaml';
import type { UserEntry } from '../../../controllers/teamstenant/users-view.ts';
import { renderTable, type OutputFormat } from '../output.ts';

const HEADERS = ['User principal name', 'Display name', 'Eligible', 'Reasons', 'Mapped by'] as const;

function cells(u: UserEntry): string[] {
  return [u.userPrincipalName, u.displayName ?? '', u.eligible ? 'Yes' : 'No', u.reasons.join(','), u.mappedBy ?? ''];
}

/** Writes one listing; call `page` per page, then `end`. */
export class UsersStream {
  readonly #format: OutputFormat;
  readonly #write: (s: string) => void;
  #count = 0;

  constructor(format: OutputFormat, write: (s: string) => void) {
    this.#format = format;
    this.#write = write;
  }

  /** Users printed so far. */
  get count(): number {
    return this.#count;
  }

  page(items: readonly UserEntry[]): void {
    if (items.length === 0) return;
    const first = this.#count === 0;
    if (this.#format === 'table') {
      const text = renderTable(
        HEADERS,
        items.map((u) => cells(u)),
      );
      this.#write(first ? text : text.slice(text.indexOf('\n') + 1));
    } else if (this.#format === 'json') {
      const body = items.map((u) => JSON.stringify(u, null, 4).replace(/^/gm, '        ')).join(',\n');
      this.#write(`${first ? '{\n    "apiVersion": "v1",\n    "kind": "List",\n    "items": [\n' : ',\n'}${body}`);
    } else {
      this.#write(`${first ? 'apiVersion: v1\nkind: List\nitems:\n' : ''}${stringify(items, { lineWidth: 0 })}`);
    }
    this.#count += items.length;
  }

  /** Closes the document (json/yaml); an empty table prints nothing (the caller says so on stderr). */
  end(): void {
    if (this.#format === 'json') this.#write(this.#count === 0 ? '{\n    "apiVersion": "v1",\n    "kind": "List",\n    "items": []\n}\n' : '\n    ]\n}\n');
    else if (this.#format === 'yaml' && this.#count === 0) this.#write('apiVersion: v1\nkind: List\nitems: []\n');
  }
}
