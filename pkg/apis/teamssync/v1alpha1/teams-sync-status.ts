/**
 * TeamsSync status: the run's phase, timing, counts, per-user results and bounded output.
 * Lists are capped; `resultsTruncated` / `outputTruncated` say when entries were dropped.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ConditionsSchema, Count, Email, ObjectName, ObservedGeneration, Text, Timestamp } from './common.ts';
import { StringEnum } from './schema-kit.ts';

/**
 * Pending: waiting to start. Running: applying. Succeeded / Failed: finished.
 * Refused: not started because the authorisation check failed (see the Failed condition).
 */
export const SyncPhaseValues = ['Pending', 'Running', 'Succeeded', 'Failed', 'Refused'] as const;
/** What a run did (or, dry run, would do) to one user. */
const SyncActionValues = ['Create', 'Update', 'Remove', 'None'] as const;
/** Outcome of one user's action. `Planned` only in dry runs. */
const SyncOutcomeValues = ['Succeeded', 'Failed', 'Skipped', 'Planned'] as const;

/** Most per-user results kept in status. */
export const MaxSyncResults = 500;
/** Most output lines kept in status. */
export const MaxSyncOutputLines = 500;

const CountsSchema = Type.Object(
  {
    created: Count('Users newly configured (number, voice, policies).'),
    updated: Count('Users whose configuration changed.'),
    removed: Count('Users unconfigured (unmapped or deleted mappings).'),
    failed: Count('Users whose change failed.'),
    unchanged: Count('Users already as desired.'),
    skipped: Type.Optional(Count('Users not attempted (blocked by a conflict, ineligible, or waiting for a licence).')),
  },
  { description: 'Per-user totals (in a dry run: what would happen).', additionalProperties: false },
);

const ResultSchema = Type.Object(
  {
    mapping: ObjectName('UserLicenseMapping name.'),
    user: Type.Optional(Email('Teams user principal name, when known.')),
    action: StringEnum(SyncActionValues, { description: 'Create, Update, Remove or None.' }),
    result: StringEnum(SyncOutcomeValues, { description: 'Succeeded, Failed, Skipped or Planned.' }),
    message: Type.Optional(Text('What changed or why it failed.', 1024)),
  },
  { additionalProperties: false },
);

const AuthorizationSchema = Type.Object(
  {
    userPrincipalName: Type.Optional(Email('User the delegated token belongs to.')),
    verifiedTime: Type.Optional(Timestamp('When the token was checked against the designated Global Admin.')),
  },
  { description: 'Who authorised a Manual run.', additionalProperties: false },
);

/** Schema of `TeamsSync.status`. */
export const TeamsSyncStatusSchema = Type.Object(
  {
    observedGeneration: ObservedGeneration(),
    conditions: Type.Optional(ConditionsSchema),
    phase: Type.Optional(StringEnum(SyncPhaseValues, { description: 'Pending, Running, Succeeded, Failed or Refused.' })),
    startTime: Type.Optional(Timestamp('When the run started.')),
    completionTime: Type.Optional(Timestamp('When the run finished.')),
    authorization: Type.Optional(AuthorizationSchema),
    counts: Type.Optional(CountsSchema),
    results: Type.Optional(
      Type.Array(ResultSchema, { description: `Per-user results, at most ${MaxSyncResults} (failures first).`, maxItems: MaxSyncResults }),
    ),
    resultsTruncated: Type.Optional(Type.Boolean({ description: 'True when results were dropped to stay within the cap.' })),
    output: Type.Optional(
      Type.Array(Type.String({ maxLength: 512 }), {
        description: `Job output lines (more with spec.diagnostic), at most ${MaxSyncOutputLines}; never contains tokens.`,
        maxItems: MaxSyncOutputLines,
      }),
    ),
    outputTruncated: Type.Optional(Type.Boolean({ description: 'True when output lines were dropped to stay within the cap.' })),
  },
  { description: 'Observed state of a TeamsSync run.', additionalProperties: false },
);

/** `TeamsSync.status`. */
export type TeamsSyncStatus = Static<typeof TeamsSyncStatusSchema>;
/** A run phase. */
export type SyncPhase = (typeof SyncPhaseValues)[number];
/** One per-user result. */
export type SyncRunResult = NonNullable<TeamsSyncStatus['results']>[number];
