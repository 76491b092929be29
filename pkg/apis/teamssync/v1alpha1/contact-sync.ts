/**
 * ContactSync: Microsoft 365 contacts in the PBX directory (seed 004, done declaratively): the tenant's directory
 * (people with a business or mobile phone) and/or the personal Outlook contacts of selected users, kept current
 * with delta queries, de-duplicated, and served to the PBX as a paged listing with `?since=<token>` catch-up.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Email, KubeObject, SecretKeyRefSchema, TenantRefSchema, Text } from './common.ts';
import { ContactSyncStatusSchema } from './contact-sync-status.ts';
import { DurationField } from './duration.ts';
import { ageColumn, conditionColumn, reasonAndMessageColumns, type PrinterColumn } from './group.ts';
import { StringEnum, withRules } from './schema-kit.ts';
import { makeValidator } from './validate.ts';

/** Most users one ContactSync lists by name (more come from mappings, or split the list). */
const MaxExplicitUsers = 10_000;

/** What happens to a contact without any phone number. */
const ContactsWithoutPhoneValues = ['Skip', 'Include'] as const;

const PersonalContactsSchema = withRules(
  Type.Object(
    {
      fromMappings: Type.Boolean({
        description: "Read the mailboxes of the Teams users of the tenant's UserLicenseMappings. Default false.",
        default: false,
      }),
      users: Type.Optional(
        Type.Array(Email('User principal name of a mailbox to read.'), {
          description: 'Further mailboxes to read, by user principal name.',
          maxItems: MaxExplicitUsers,
          'x-kubernetes-list-type': 'set',
        }),
      ),
      folders: Type.Optional(
        Type.Array(Text('Display name of a contact folder ("Contacts" is the default folder).', 255), {
          description: 'Contact folders to read, by display name. Unset: the default Contacts folder and every child folder.',
          maxItems: 50,
          'x-kubernetes-list-type': 'set',
        }),
      ),
    },
    { description: 'Personal Outlook contacts of selected users (Graph permission Contacts.Read).', additionalProperties: false },
  ),
  [
    {
      rule: 'self.fromMappings || (has(self.users) && size(self.users) > 0)',
      message: 'select mailboxes: set fromMappings to true or list users',
      check: (s) => s.fromMappings || (s.users?.length ?? 0) > 0,
    },
  ],
);

const SourcesSchema = withRules(
  Type.Object(
    {
      directory: Type.Boolean({
        description: "Publish the tenant's directory: every enabled user with a business or mobile phone (Graph permission User.Read.All). Default true.",
        default: true,
      }),
      personalContacts: Type.Optional(PersonalContactsSchema),
    },
    { description: 'Where contacts come from. Default: the directory.', additionalProperties: false, default: { directory: true } },
  ),
  [
    {
      rule: 'self.directory || has(self.personalContacts)',
      message: 'select a source: set directory to true or configure personalContacts',
      check: (s) => s.directory || s.personalContacts !== undefined,
    },
  ],
);

const PbxDirectorySchema = Type.Object(
  {
    tokenSecretRef: SecretKeyRefSchema(
      'Secret key with the bearer token the PBX presents to read the directory endpoint (read-only). The Secret must be labelled teamssync.io/secret-purpose=pbx-token.',
      'token',
    ),
  },
  {
    description: 'The directory endpoint the PBX reads (paged listing and since-token changes). Unset: the endpoint refuses every reader.',
    additionalProperties: false,
  },
);

/** Schema of `ContactSync.spec`. */
export const ContactSyncSpecSchema = Type.Object(
  {
    tenantRef: TenantRefSchema,
    sources: SourcesSchema,
    refreshInterval: DurationField({
      min: '1m',
      max: '24h',
      default: '15m',
      description: 'How often Graph is asked for changes (delta queries: a refresh costs about what changed, not a full import).',
    }),
    defaultRegion: Type.String({
      description: 'ISO 3166-1 alpha-2 region of numbers written without a country code (e.g. US, GB, DE). Default US.',
      pattern: '^[A-Z]{2}$',
      minLength: 2,
      maxLength: 2,
      default: 'US',
    }),
    contactsWithoutPhone: StringEnum(ContactsWithoutPhoneValues, {
      description:
        'Skip (default): an entry with no usable phone number is not published (a phone-less contact still adds to the entry of the same person by e-mail address). Include: published with its e-mail addresses only.',
      default: 'Skip',
    }),
    pbxDirectory: Type.Optional(PbxDirectorySchema),
    suspend: Type.Boolean({ description: 'Stop reading Graph; the PBX keeps the published directory. Default false.', default: false }),
    description: Type.Optional(Text('Free text for operators.', 1024)),
  },
  { description: 'Desired state of a ContactSync.', additionalProperties: false },
);

/** Schema of a whole ContactSync object. */
export const ContactSyncSchema = KubeObject('ContactSync', ContactSyncSpecSchema, ContactSyncStatusSchema);

/** `ContactSync.spec` as read from the apiserver (defaults applied). */
export type ContactSyncSpec = Static<typeof ContactSyncSpecSchema>;
/** A ContactSync object. */
export type ContactSync = Static<typeof ContactSyncSchema>;

/** `kubectl get contactsyncs` columns. */
export const ContactSyncPrinterColumns: readonly PrinterColumn[] = [
  { name: 'Tenant', type: 'string', jsonPath: '.spec.tenantRef.name', description: 'TeamsTenant', priority: 1 },
  { name: 'Contacts', type: 'integer', jsonPath: '.status.contactsPublished', description: 'Entries in the PBX directory' },
  { name: 'Unreadable', type: 'integer', jsonPath: '.status.unreadableMailboxes.count', description: 'Mailboxes that could not be read' },
  { name: 'Last Full', type: 'date', jsonPath: '.status.lastFullSyncTime', description: 'When everything was last read', priority: 1 },
  {
    name: 'Last Change',
    type: 'date',
    jsonPath: '.status.lastIncrementalSyncTime',
    description: 'When an incremental sync last changed the directory',
    priority: 1,
  },
  conditionColumn('Ready'),
  ageColumn,
  ...reasonAndMessageColumns,
];

/** Validates a ContactSync (schema + CEL twins) and returns it with defaults applied. */
export const validateContactSync = makeValidator(ContactSyncSchema);
