/**
 * ContactSync status: what the PBX directory holds, where it came from, which mailboxes could not be read, and when
 * Graph was last read in full and incrementally. Written only when one of these facts changes (counters of calls
 * and rounds are metrics, not status).
 */
import { Type, type Static } from '@sinclair/typebox';
import { ConditionsSchema, Count, ObservedGeneration, Text, Timestamp } from './common.ts';
import { StringEnum } from './schema-kit.ts';

/** Why the last full read happened. */
const FullSyncReasonValues = ['Initial', 'DeltaTokenExpired', 'StoreRebuilt'] as const;

const SourceCountsSchema = Type.Object(
  {
    directory: Type.Optional(Count('Directory users with a business or mobile phone.')),
    personalContacts: Type.Optional(Count('Personal contacts read from the selected mailboxes (before de-duplication).')),
    mailboxesRead: Type.Optional(Count('Mailboxes whose contacts were read.')),
    duplicatesMerged: Type.Optional(Count('Records merged into another entry (same E.164 number or e-mail address).')),
    skippedWithoutPhone: Type.Optional(Count('Contacts not published because they have no usable phone number.')),
  },
  { description: 'Counts per source.', additionalProperties: false },
);

const UnreadableMailboxSchema = Type.Object(
  {
    user: Text('User principal name of the mailbox.', 254),
    reason: Text('Why it could not be read and what fixes it.', 512),
  },
  { additionalProperties: false },
);

const UnreadableMailboxesSchema = Type.Object(
  {
    count: Count('Selected mailboxes that could not be read (the others are published).'),
    sample: Type.Optional(Type.Array(UnreadableMailboxSchema, { description: 'Up to 20 of them, sorted by user.', maxItems: 20 })),
  },
  { description: 'Mailboxes that could not be read: no such user, or no Exchange Online mailbox.', additionalProperties: false },
);

/** Schema of `ContactSync.status`. */
export const ContactSyncStatusSchema = Type.Object(
  {
    observedGeneration: ObservedGeneration(),
    conditions: Type.Optional(ConditionsSchema),
    contactsPublished: Type.Optional(Count('Entries in the PBX directory after de-duplication.')),
    sources: Type.Optional(SourceCountsSchema),
    unreadableMailboxes: Type.Optional(UnreadableMailboxesSchema),
    lastFullSyncTime: Type.Optional(Timestamp('When every source was last read in full.')),
    lastFullSyncReason: Type.Optional(
      StringEnum(FullSyncReasonValues, {
        description:
          'Why the last full read happened: Initial, DeltaTokenExpired (Graph expired a delta token) or StoreRebuilt (the contact store was lost and rebuilt).',
      }),
    ),
    lastIncrementalSyncTime: Type.Optional(Timestamp('When an incremental (delta) sync last changed the directory.')),
    currentSyncToken: Type.Optional(
      Text("The directory's current change token: a PBX that has it is up to date (`?since=` on the directory endpoint). Not a Graph secret.", 128),
    ),
  },
  { description: 'Observed state of a ContactSync.', additionalProperties: false },
);

/** `ContactSync.status`. */
export type ContactSyncStatus = Static<typeof ContactSyncStatusSchema>;
